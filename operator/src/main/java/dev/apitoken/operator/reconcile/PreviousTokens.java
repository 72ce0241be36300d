package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.AuditAction;
import dev.apitoken.operator.token.Durations;
import dev.apitoken.operator.token.ReissueRequest;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Revokes tokens of a live ApiToken that a newer token replaced, once the Secret holds that newer
 * token: every token issued before spec.revokeIssuedBefore (after its grace period), and with
 * spec.rotation.previousTokenGracePeriod each replaced token that long after its successor was
 * written. Which tokens and when follow from the issue times in status, so nothing is scheduled in
 * memory and a restart changes nothing.
 */
final class PreviousTokens {
  /**
   * What {@link #settle} did: {@code recording} while a revocation is being stored, {@code nextAt}
   * when to look again, {@code cutOff} where spec.revokeIssuedBefore stands. The reconciler turns
   * it into timing, and {@link ConditionTable} into conditions.
   */
  record Outcome(boolean recording, Optional<Instant> nextAt, CutOff cutOff) {}

  /** Where spec.revokeIssuedBefore stands, as condition PreviousTokensRevoked shows it. */
  enum CutOffStage {
    /** spec.revokeIssuedBefore is not set: no condition. */
    NOT_ASKED,
    /** Nothing new to report: done before, or the fresh token is not written yet. */
    UNCHANGED,
    /** The cut-off time lies ahead. */
    NOT_YET,
    /** Tokens issued before it wait out spec.revokeIssuedBeforeGracePeriod until {@code due}. */
    IN_GRACE,
    /** Their revocation is being stored, retried. */
    RECORDING,
    /** Every token issued before it is revoked; the Secret holds {@code currentJti}. */
    REVOKED
  }

  /**
   * spec.revokeIssuedBefore ({@code before}, as written), how many tokens it concerns, and the
   * times and token the condition's message names (null where a stage names none).
   */
  record CutOff(CutOffStage stage, String before, int tokens, Instant due, String currentJti) {
    static final CutOff NOT_ASKED = new CutOff(CutOffStage.NOT_ASKED, null, 0, null, null);
    static final CutOff UNCHANGED = new CutOff(CutOffStage.UNCHANGED, null, 0, null, null);
  }

  /** A step's result: whether it is recording and when to look again. */
  private record Step(boolean recording, Optional<Instant> nextAt, CutOff cutOff) {
    static Step settled(CutOff cutOff) {
      return new Step(false, Optional.empty(), cutOff);
    }
  }

  private final TokenRevocation revocation;
  private final EventRecorder events;

  PreviousTokens(TokenRevocation revocation, EventRecorder events) {
    this.revocation = revocation;
    this.events = events;
  }

  /**
   * spec.revokeIssuedBefore when it is set and readable; {@link SpecResolver} reports otherwise.
   */
  static Optional<Instant> revokeIssuedBefore(ApiTokenSpec spec) {
    return spec == null ? Optional.empty() : SpecResolver.instant(spec.getRevokeIssuedBefore());
  }

  /** Whether spec.revokeIssuedBefore asks for something status does not show done yet. */
  static boolean revokeIssuedBeforePending(ApiToken apiToken) {
    String wanted = apiToken.getSpec() == null ? null : apiToken.getSpec().getRevokeIssuedBefore();
    return wanted != null
        && (apiToken.getStatus() == null
            || !wanted.equals(apiToken.getStatus().getRevokedIssuedBefore()));
  }

  /**
   * Run once the Secret holds a current token. Revokes what is due, says where
   * spec.revokeIssuedBefore stands and when to look again.
   */
  Outcome settle(
      ApiToken apiToken, Context<ApiToken> context, StatusAggregator status, Instant now) {
    List<Instant> wakeUps = new ArrayList<>();
    boolean recording = false;
    CutOff cutOff = CutOff.UNCHANGED;
    Optional<Instant> before = revokeIssuedBefore(apiToken.getSpec());
    if (before.isPresent() && revokeIssuedBeforePending(apiToken)) {
      Step step = revokeIssuedBefore(apiToken, context, status, before.get(), now);
      recording |= step.recording();
      step.nextAt().ifPresent(wakeUps::add);
      cutOff = step.cutOff();
    } else if (apiToken.getSpec() != null && apiToken.getSpec().getRevokeIssuedBefore() == null) {
      cutOff = CutOff.NOT_ASKED;
    }
    Optional<Duration> grace = previousTokenGracePeriod(apiToken.getSpec());
    if (grace.isPresent()) {
      Step step = retireReplaced(apiToken, status, grace.get(), now);
      recording |= step.recording();
      step.nextAt().ifPresent(wakeUps::add);
    }
    return new Outcome(recording, wakeUps.stream().min(Comparator.naturalOrder()), cutOff);
  }

  private Step revokeIssuedBefore(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      Instant before,
      Instant now) {
    Instant cut = ReissueRequest.wholeSecondAtOrAfter(before);
    String text = apiToken.getSpec().getRevokeIssuedBefore();
    if (now.isBefore(cut)) {
      return new Step(false, Optional.of(cut), new CutOff(CutOffStage.NOT_YET, text, 0, cut, null));
    }
    List<IssuedToken> kept =
        status.tokens().stream()
            .filter(t -> t.getIssuedAt() != null && !Instant.parse(t.getIssuedAt()).isBefore(cut))
            .toList();
    if (kept.isEmpty()) {
      // The fresh token is not written yet; the reissue comes first.
      return Step.settled(CutOff.UNCHANGED);
    }
    Set<Long> keptIndices = kept.stream().map(IssuedToken::getIndex).collect(Collectors.toSet());
    List<IssueRecord> old =
        revocation.outstanding(apiToken, context, now).stream()
            .filter(r -> !keptIndices.contains(r.index()))
            .toList();
    Optional<Duration> grace = gracePeriod(apiToken.getSpec());
    Instant freshWritten =
        kept.stream().map(t -> Instant.parse(t.getIssuedAt())).min(Comparator.naturalOrder()).get();
    Instant due =
        grace.map(g -> (freshWritten.isAfter(before) ? freshWritten : before).plus(g)).orElse(now);
    if (!old.isEmpty() && now.isBefore(due)) {
      return new Step(
          false, Optional.of(due), new CutOff(CutOffStage.IN_GRACE, text, old.size(), due, null));
    }
    if (!old.isEmpty() && revocation.record(old).stage() == TokenRevocation.Stage.RECORDING) {
      return new Step(
          true, Optional.empty(), new CutOff(CutOffStage.RECORDING, text, old.size(), null, null));
    }
    // Recorded again above (harmless, and it repairs a lost mark), but counted, audited and
    // announced only when not revoked before: an earlier cut-off may have revoked some already.
    Set<Long> revokedBefore =
        status.tokens().stream()
            .filter(t -> t.getRevokedAt() != null)
            .map(IssuedToken::getIndex)
            .collect(Collectors.toSet());
    List<IssueRecord> newly = old.stream().filter(r -> !revokedBefore.contains(r.index())).toList();
    status.tokensRevoked(newly.stream().map(IssueRecord::index).toList(), now);
    status.revokedIssuedBefore(text);
    events.record(
        apiToken,
        EventRecorder.NORMAL,
        Conditions.PREVIOUS_TOKENS_REVOKED,
        newly.size() + " token(s) issued before " + text + " revoked.");
    newly.forEach(r -> audit(apiToken, r, "revokeIssuedBefore " + text));
    return Step.settled(
        new CutOff(CutOffStage.REVOKED, text, newly.size(), null, status.currentJti()));
  }

  /**
   * Every listed token that a newer token replaced is revoked {@code grace} after the first newer
   * one was issued (and so written to the Secret). The current token is never among them.
   */
  private Step retireReplaced(
      ApiToken apiToken, StatusAggregator status, Duration grace, Instant now) {
    List<IssuedToken> listed =
        status.tokens().stream().filter(t -> t.getIssuedAt() != null).toList();
    List<IssueRecord> due = new ArrayList<>();
    Instant next = null;
    for (IssuedToken token : listed) {
      if (token.getRevokedAt() != null || token.getJti().equals(status.currentJti())) {
        continue;
      }
      Instant issued = Instant.parse(token.getIssuedAt());
      Optional<Instant> successor =
          listed.stream()
              .map(t -> Instant.parse(t.getIssuedAt()))
              .filter(at -> at.isAfter(issued))
              .min(Comparator.naturalOrder());
      if (successor.isEmpty()) {
        continue;
      }
      Instant at = successor.get().plus(grace);
      if (now.isBefore(at)) {
        next = next == null || at.isBefore(next) ? at : next;
      } else {
        due.add(record(apiToken, token));
      }
    }
    if (!due.isEmpty()) {
      if (revocation.record(due).stage() == TokenRevocation.Stage.RECORDING) {
        return new Step(true, Optional.ofNullable(next), CutOff.UNCHANGED);
      }
      status.tokensRevoked(due.stream().map(IssueRecord::index).toList(), now);
      events.record(
          apiToken,
          EventRecorder.NORMAL,
          "PreviousTokenRevoked",
          "Revoked "
              + due.size()
              + " replaced token(s) ("
              + due.stream().map(IssueRecord::jti).collect(Collectors.joining(", "))
              + ") after spec.rotation.previousTokenGracePeriod "
              + apiToken.getSpec().getRotation().getPreviousTokenGracePeriod());
      due.forEach(r -> audit(apiToken, r, "previousTokenGracePeriod"));
    }
    return new Step(false, Optional.ofNullable(next), CutOff.UNCHANGED);
  }

  private static IssueRecord record(ApiToken apiToken, IssuedToken token) {
    return new IssueRecord(
        token.getIndex(),
        Instant.parse(token.getExpiresAt()),
        TokenRevocation.ownerUid(apiToken),
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.getJti(),
        false);
  }

  private static Optional<Duration> gracePeriod(ApiTokenSpec spec) {
    return parse(spec.getRevokeIssuedBeforeGracePeriod());
  }

  static Optional<Duration> previousTokenGracePeriod(ApiTokenSpec spec) {
    return spec == null || spec.getRotation() == null
        ? Optional.empty()
        : parse(spec.getRotation().getPreviousTokenGracePeriod());
  }

  private static Optional<Duration> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Durations.parse(text));
    } catch (IllegalArgumentException unreadable) {
      // SpecResolver refuses the spec before this runs.
      return Optional.empty();
    }
  }

  private static void audit(ApiToken apiToken, IssueRecord token, String reason) {
    AuditLog.revoked(AuditAction.REVOKE_PREVIOUS, apiToken, token, reason);
  }
}
