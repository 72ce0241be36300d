package dev.apitoken.operator.runtime;

import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.Controller;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads JOSDK's in-memory health of a started operator. Call only after {@code Operator.start()}
 * has returned: during start-up JOSDK holds the lock these reads need while informers sync.
 */
final class JosdkHealth {
  private JosdkHealth() {}

  /**
   * Informers that are not running, not watching or not synced, as {@code
   * controller/event-source[/namespace]}; empty when all are healthy. JOSDK starts informers on
   * every replica, leader or standby, so this holds for both.
   */
  static List<String> unhealthyInformers(Operator operator) {
    List<String> unhealthy = new ArrayList<>();
    for (RegisteredController<?> controller : operator.getRegisteredControllers()) {
      String name = controller.getConfiguration().getName();
      Map<String, InformerWrappingEventSourceHealthIndicator> sources =
          controller.getControllerHealthInfo().informerEventSourceHealthIndicators();
      sources.forEach(
          (source, indicator) -> {
            Map<String, InformerHealthIndicator> informers = indicator.informerHealthIndicators();
            informers.forEach(
                (namespace, informer) -> {
                  if (!informer.isRunning() || !informer.isWatching() || !informer.hasSynced()) {
                    unhealthy.add(name + "/" + source + "/" + namespace);
                  }
                });
          });
    }
    return unhealthy;
  }

  /** Whether every registered controller dispatches events, i.e. reconciles. */
  static boolean eventProcessingRunning(Operator operator) {
    var controllers = operator.getRegisteredControllers();
    if (controllers.isEmpty()) {
      return false;
    }
    for (RegisteredController<?> registered : controllers) {
      if (!(registered instanceof Controller<?> controller)
          || !controller.getEventProcessor().isRunning()) {
        return false;
      }
    }
    return true;
  }
}
