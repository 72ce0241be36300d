package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.runtime.DaemonThreads;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts Kubernetes Events off the reconcile path: an Event is for people, so a slow or failing
 * events API never delays or fails issuance. Messages never carry a token, only its id.
 */
public final class EventRecorder implements AutoCloseable {
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";
  private static final String COMPONENT = "apitoken-operator";
  private static final int MAX_MESSAGE_LENGTH = 1024;
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(DaemonThreads.named("event-recorder"));

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(HasMetadata subject, String type, String reason, String message) {
    String timestamp = clock.instant().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                KubernetesNames.eventName(
                    subject.getMetadata().getName(), UUID.randomUUID().toString().substring(0, 8)))
            .withNamespace(subject.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(subject.getApiVersion())
                    .withKind(subject.getKind())
                    .withName(subject.getMetadata().getName())
                    .withNamespace(subject.getMetadata().getNamespace())
                    .withUid(subject.getMetadata().getUid())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(bounded(message))
            .withCount(1)
            .withFirstTimestamp(timestamp)
            .withLastTimestamp(timestamp)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    executor.execute(
        () -> {
          try {
            client
                .v1()
                .events()
                .inNamespace(event.getMetadata().getNamespace())
                .resource(event)
                .create();
          } catch (RuntimeException e) {
            LOG.debug(
                "could not record event {} for {}: {}",
                reason,
                subject.getMetadata().getName(),
                Failures.brief(e));
          }
        });
  }

  /** Kubernetes refuses Event messages over 1 KiB. */
  private static String bounded(String message) {
    return message.length() <= MAX_MESSAGE_LENGTH
        ? message
        : message.substring(0, MAX_MESSAGE_LENGTH - 3) + "...";
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
