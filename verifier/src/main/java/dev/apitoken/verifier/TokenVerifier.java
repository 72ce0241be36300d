package dev.apitoken.verifier;

import dev.apitoken.format.JwtJson;
import dev.apitoken.format.SignedJwt;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListShards;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies ApiTokens offline: an Ed25519 JWS whose key is in the trusted JWKS, whose issuer,
 * audience and validity window match, and whose entry in a fresh, signed status list is VALID.
 *
 * <p>Thread-safe; build one and share it. {@link #verify(String)} never throws for a bad token,
 * never accepts on error and never waits for the network. Trust comes from a mounted trust
 * directory ({@link Builder#trustDirectory(Path)}), a Status List provider over HTTP ({@link
 * Builder#trustUrl(URI)}), or both: per status list URI the signed list with the highest
 * publication version ({@code ver}) that is not stale is used, whichever source brought it, and an
 * index once seen revoked in an accepted list stays revoked for the life of the verifier (see
 * {@link StatusListLedger}). A list past its {@code exp} (or older than {@link
 * Builder#maxStatusListAge}) makes its tokens fail closed with {@link Rejection#STATUS_STALE}. The
 * verifier follows its sources until {@link #close()}.
 *
 * <pre>{@code
 * TokenVerifier verifier = TokenVerifier.builder()
 *     .trustDirectory(Path.of("/etc/apitoken-trust"))
 *     .expectedIssuer("https://apitoken.example")
 *     .expectedAudience("orders")
 *     .build();
 * Verdict verdict = verifier.verify(token);
 * }</pre>
 */
public final class TokenVerifier implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TokenVerifier.class.getName());

  /** Default {@link Builder#maxTokenLength(int)}: 8 KiB. */
  public static final int DEFAULT_MAX_TOKEN_LENGTH = 8 * 1024;

  /** Default {@link Builder#leeway(Duration)}. */
  public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(30);

  /** Default {@link Builder#pollInterval(Duration)}. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);

  /** Default {@link Builder#longPoll(Duration)}: the provider answers at once on a change. */
  public static final Duration DEFAULT_LONG_POLL = Duration.ofSeconds(30);

  /** Default smallest step of {@link Builder#retryBackoff(Duration, Duration)}. */
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(500);

  /** Default largest step of {@link Builder#retryBackoff(Duration, Duration)}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

  private final String expectedIssuer;
  private final String expectedAudience;
  private final long leewayMillis;
  private final Clock clock;
  private final int maxTokenLength;
  private final VerdictListener listener;
  private final TrustDirectory directory;
  private final TrustDirectoryWatcher watcher;
  private final HttpTrustSource http;
  private final boolean allowUnsigned;
  private final long maxAgeMillis;
  private final VerifiedTokenCache cache; // null when off
  private final StatusListLedger ledger;

  private final Object reloadLock = new Object();
  private final Object mergeLock = new Object();
  private final AtomicLong failedReloads = new AtomicLong();
  // What the directory (or the in-memory documents) gave; EMPTY for HTTP only.
  private volatile TrustState local = TrustState.EMPTY;
  // local merged with what HTTP gave: what verifications use.
  private volatile TrustState trust = TrustState.EMPTY;
  private volatile ReloadStatus lastReloadStatus;
  private String lastSeenFingerprint; // guarded by reloadLock

  private TokenVerifier(Builder builder) {
    this.expectedIssuer = builder.expectedIssuer;
    this.expectedAudience = builder.expectedAudience;
    this.leewayMillis = builder.leeway.toMillis();
    this.clock = builder.clock;
    this.maxTokenLength = builder.maxTokenLength;
    this.listener = builder.listener;
    this.allowUnsigned = builder.allowUnsigned;
    this.maxAgeMillis = builder.maxStatusListAge == null ? -1 : builder.maxStatusListAge.toMillis();
    this.cache = builder.cacheCapacity == 0 ? null : new VerifiedTokenCache(builder.cacheCapacity);
    this.ledger = new StatusListLedger(leewayMillis, maxAgeMillis);
    this.http =
        builder.trustUrl == null
            ? null
            : new HttpTrustSource(
                new HttpTrustSource.Settings(
                    builder.trustUrl,
                    builder.httpClient,
                    builder.longPoll,
                    builder.minBackoff,
                    builder.maxBackoff,
                    builder.refresh,
                    List.copyOf(builder.statusListUris)),
                new HttpTrustSource.Listener() {
                  @Override
                  public void changed() {
                    merge();
                  }

                  @Override
                  public void statusList(HeldStatusList list) {
                    synchronized (mergeLock) {
                      ledger.offer(list, clock.millis());
                      merge();
                    }
                  }
                });
    if (builder.trustDirectory != null) {
      this.directory = new TrustDirectory(builder.trustDirectory);
      loadInitial();
      this.watcher =
          builder.watch
              ? new TrustDirectoryWatcher(
                  builder.trustDirectory, builder.pollInterval, this::reloadIfChanged)
              : null;
    } else if (builder.jwksJson != null) {
      this.directory = null;
      install(TrustState.parse(builder.jwksJson, builder.statusListJson));
      this.lastReloadStatus = ReloadStatus.ok(clock.instant(), "loaded " + trust.describe());
      this.watcher = null;
    } else {
      this.directory = null;
      this.watcher = null;
      this.lastReloadStatus =
          ReloadStatus.ok(clock.instant(), "following " + builder.trustUrl + " over HTTP");
    }
    if (http != null) {
      http.start();
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies {@code token} (a JWS compact serialization) and reports the verdict to the listener.
   * Never throws for any input, null included, and never accepts on error.
   */
  public Verdict verify(String token) {
    Verdict verdict;
    try {
      verdict = check(token);
    } catch (Exception | StackOverflowError e) {
      // Not the throwable itself: its message may quote the token, and a stack trace prints it raw.
      LOG.log(
          Level.DEBUG, "token verification failed unexpectedly: {0}", UntrustedText.describe(e));
      verdict = new Verdict.Rejected(Rejection.MALFORMED, null, null, null);
    }
    notifyListener(verdict);
    return verdict;
  }

  /** The outcome of the latest load of the trust documents; never null. */
  public ReloadStatus lastReloadStatus() {
    return lastReloadStatus;
  }

  /** How many reloads failed since this verifier was built; the previous trust stayed in use. */
  public long failedReloads() {
    return failedReloads.get();
  }

  /**
   * Reads the trust directory now, even when it looks unchanged, and uses it if it is well formed.
   * For a verifier built from in-memory trust this does nothing.
   *
   * @return the outcome, also available as {@link #lastReloadStatus()}
   */
  public ReloadStatus reload() {
    if (directory == null) {
      return lastReloadStatus;
    }
    synchronized (reloadLock) {
      return load();
    }
  }

  /**
   * Whether any key is trusted now: a cheap check for every request (unlike {@link #trustHealth()},
   * which describes every problem).
   */
  public boolean holdsKeys() {
    return !trust.keys().asMap().isEmpty();
  }

  /**
   * Whether verdicts are meaningful now: keys are held, and every followed status list (each signed
   * list held, each list URI followed over HTTP) is held and fresh. A readiness probe should fail
   * while this says not ready: the tokens of a missing or stale list are rejected.
   */
  public TrustHealth trustHealth() {
    TrustState state = trust;
    long now = clock.millis();
    List<String> problems = new ArrayList<>();
    if (state.keys().asMap().isEmpty()) {
      problems.add(
          http != null && http.keys() == null
              ? "no JWKS from " + http.base() + " yet"
              : "the trusted JWKS holds no key");
    }
    for (KnownStatusList known : state.lists().values()) {
      if (known.isStale(now, maxAgeMillis)) {
        HeldStatusList held = known.current(now, maxAgeMillis);
        problems.add(
            "status list "
                + UntrustedText.escape(held.uri())
                + " is stale (iat "
                + Instant.ofEpochSecond(held.issuedAt())
                + ", exp "
                + Instant.ofEpochSecond(held.expiresAt())
                + ", from "
                + UntrustedText.escape(held.source())
                + ")");
      }
    }
    if (http != null) {
      for (String uri : http.followedUris()) {
        if (!state.holds(uri)) {
          problems.add("no valid status list from " + UntrustedText.escape(uri) + " yet");
        }
      }
      if (!problems.isEmpty()) {
        for (String problem : http.problems()) {
          problems.add("last HTTP problem: " + UntrustedText.escape(problem, 256));
        }
      }
    }
    if (!state.ignoredUnsigned().isEmpty() && !state.holdsSignedList()) {
      problems.add(
          "only unsigned "
              + state.ignoredUnsigned()
              + " in the trust directory; they are not trusted without allowUnsignedStatusList()");
    }
    return new TrustHealth(problems.isEmpty(), problems, state.describe());
  }

  /**
   * Waits until the HTTP source has had one answer (or failure) for its JWKS and every status list
   * it follows; for one-shot tools such as the CLI. Returns at once without an HTTP source.
   *
   * @return false when {@code timeout} passed first
   */
  public boolean awaitTrust(Duration timeout) throws InterruptedException {
    if (http == null) {
      return true;
    }
    try {
      http.firstAttempts().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /**
   * The {@code iat} of the signed status list used now for tokens that name {@code uri} (the
   * highest version that is fresh, else the highest version held), or empty when none is held: for
   * metrics (the age of the list) and for measuring how fast a change arrives.
   */
  public java.util.Optional<Instant> statusListIssuedAt(String uri) {
    HeldStatusList held = currentList(uri);
    return held == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(Instant.ofEpochSecond(held.issuedAt()));
  }

  /**
   * The publication version ({@code ver}, 0 for lists written without one) of the signed status
   * list used now for tokens that name {@code uri}, as {@link #statusListIssuedAt(String)} chooses
   * it; empty when none is held.
   */
  public java.util.OptionalLong statusListVersion(String uri) {
    HeldStatusList held = currentList(uri);
    return held == null
        ? java.util.OptionalLong.empty()
        : java.util.OptionalLong.of(held.version());
  }

  private HeldStatusList currentList(String uri) {
    KnownStatusList known = trust.lists().get(uri);
    return known == null ? null : known.current(clock.millis(), maxAgeMillis);
  }

  /**
   * Hits, misses and size of the verified-token cache ({@link Builder#verifiedTokenCache(int)});
   * all zero, capacity included, when the cache is off.
   */
  public VerifiedTokenCache.Statistics cacheStatistics() {
    return cache == null ? new VerifiedTokenCache.Statistics(0, 0, 0, 0) : cache.statistics();
  }

  /** Status List Token documents parsed from HTTP 200 answers (a 304 parses nothing). */
  long httpDocumentsParsed() {
    return http == null ? 0 : http.documentsParsed();
  }

  /** Stops following the trust sources. Verification keeps working with the last trust. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
    if (http != null) {
      http.close();
    }
  }

  /**
   * Rebuilds the trust verifications use: the directory's keys and the HTTP source's, the
   * directory's unsigned lists, and the ledger's signed lists (those signed by one of these keys)
   * and revoked indices.
   */
  private void merge() {
    synchronized (mergeLock) {
      TrustedKeys keys = local.keysWith(http == null ? null : http.keys());
      trust = local.withLists(keys, ledger.snapshot(keys));
    }
  }

  /**
   * Makes freshly parsed documents (the directory's, or the in-memory ones) the local trust: their
   * signed lists go to the ledger, which keeps the highest version of every source, and the
   * revocations of their unsigned lists are remembered.
   *
   * @throws TrustLoadException when a signed list is refused (an {@code iat} ahead of the clock by
   *     more than the leeway): nothing of these documents is used then
   */
  private void install(TrustState next) {
    long now = clock.millis();
    for (HeldStatusList held : next.readLists().values()) {
      try {
        ledger.check(held, now);
      } catch (IllegalArgumentException e) {
        throw new TrustLoadException(held.source() + ": " + e.getMessage(), e);
      }
    }
    synchronized (mergeLock) {
      local = next;
      for (HeldStatusList held : next.readLists().values()) {
        ledger.offer(held, now);
      }
      next.forEachUnsigned(ledger::recordUnsigned);
      merge();
    }
  }

  private Verdict check(String token) throws IOException {
    if (token == null) {
      return rejected(Rejection.MALFORMED, null, null);
    }
    if (token.length() > maxTokenLength) {
      return rejected(Rejection.TOO_LARGE, null, null);
    }
    // Any character beyond Latin-1 becomes '?', which base64url decoding then refuses. So no
    // accepted token, and no cache entry, has a '?': two tokens that differ only there never hit.
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    TrustState state = trust;
    if (cache == null) {
      return checkSigned(bytes, state);
    }
    TokenDigest digest = TokenDigest.of(bytes);
    VerifiedTokenCache.Entry cached = cache.lookup(digest, state.keys());
    if (cached != null) {
      Verdict.Accepted accepted = cached.verdict;
      TokenClaims claims = accepted.claims();
      Rejection problem =
          validityProblem(
              cached.expiredFromMillis,
              cached.validFromMillis,
              true,
              claims.statusIndex(),
              claims.statusUri(),
              state);
      if (problem == null) {
        return accepted;
      }
      // Expired, revoked or stale: the full path decides again next time, and re-caches.
      cache.remove(cached);
      return new Verdict.Rejected(problem, accepted.kid(), claims.jti(), claims.subject());
    }
    Verdict verdict = checkSigned(bytes, state);
    if (verdict instanceof Verdict.Accepted accepted) {
      TokenClaims claims = accepted.claims();
      cache.put(
          digest,
          accepted,
          state.key(accepted.kid()),
          expiredFromMillis(claims.expiresAt().getEpochSecond()),
          validFromMillis(claims.notBefore().getEpochSecond()),
          clock.millis());
    }
    return verdict;
  }

  /** Everything from the signature on: what a cache hit skips up to the validity checks. */
  private Verdict checkSigned(byte[] bytes, TrustState state) {
    SignedJwt read = SignedJwt.read(bytes, state::key);
    if (read.problem() != null) {
      return switch (read.problem()) {
        case MALFORMED -> rejected(Rejection.MALFORMED, null, null);
        // Nobody vouches for this kid, and listeners log it: an attacker must not write the log.
        case UNKNOWN_KEY ->
            rejected(Rejection.UNKNOWN_KEY, UntrustedText.escape(read.headerKid()), null);
        case BAD_SIGNATURE -> rejected(Rejection.BAD_SIGNATURE, read.key().kid(), null);
        case MALFORMED_PAYLOAD -> rejected(Rejection.MALFORMED, read.key().kid(), read.payload());
      };
    }
    TrustedKey key = read.key();
    JwtJson.Payload claims = read.payload();
    if (expectedIssuer != null && !expectedIssuer.equals(claims.issuer())) {
      return rejected(Rejection.WRONG_ISSUER, key.kid(), claims);
    }
    if (expectedAudience != null && !claims.audiences().contains(expectedAudience)) {
      return rejected(Rejection.WRONG_AUDIENCE, key.kid(), claims);
    }
    Rejection problem =
        validityProblem(
            expiredFromMillis(claims.expiresAt()),
            validFromMillis(claims.notBefore()),
            claims.hasStatus(),
            claims.statusIndex(),
            claims.statusUri(),
            state);
    if (problem != null) {
      return rejected(problem, key.kid(), claims);
    }
    return new Verdict.Accepted(claims.claims(), key.kid());
  }

  /**
   * What a verified token is checked for on every call, cached or not: the validity window, then
   * its status in the current list; null when it passes.
   */
  private Rejection validityProblem(
      long expiredFromMillis,
      long validFromMillis,
      boolean hasStatus,
      long statusIndex,
      String statusUri,
      TrustState state) {
    long now = clock.millis();
    if (now >= expiredFromMillis) {
      return Rejection.EXPIRED;
    }
    if (now < validFromMillis) {
      return Rejection.NOT_YET_VALID;
    }
    int status =
        hasStatus
            ? state.status(statusIndex, statusUri, now, maxAgeMillis)
            : TrustState.STATUS_UNKNOWN;
    if (status == TrustState.STATUS_MISSING) {
      if (http != null) {
        // Signed by a trusted key, so the URI is the issuer's: follow it if it is on the
        // provider's origin. This verification still fails closed; a later one finds the list.
        http.follow(statusUri, StatusListShards.shardOf(statusIndex));
      }
      return Rejection.STATUS_LIST_MISSING;
    }
    if (status == TrustState.STATUS_UNKNOWN) {
      return Rejection.STATUS_UNKNOWN;
    }
    if (status == TrustState.STATUS_STALE) {
      return Rejection.STATUS_STALE;
    }
    if (status != StatusList.VALID) {
      return Rejection.REVOKED;
    }
    return null;
  }

  /** From then on ({@code exp} plus the leeway) the token is expired. */
  private long expiredFromMillis(long expiresAtSeconds) {
    return expiresAtSeconds * 1000 + leewayMillis;
  }

  /** Before then ({@code nbf} minus the leeway) the token is not yet valid. */
  private long validFromMillis(long notBeforeSeconds) {
    return notBeforeSeconds * 1000 - leewayMillis;
  }

  private static Verdict rejected(Rejection reason, String kid, JwtJson.Payload claims) {
    return claims == null
        ? new Verdict.Rejected(reason, kid, null, null)
        : new Verdict.Rejected(reason, kid, claims.jti(), claims.subject());
  }

  private void notifyListener(Verdict verdict) {
    if (listener == null) {
      return;
    }
    try {
      listener.onVerdict(verdict);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError fatal) {
        throw fatal;
      }
      LOG.log(
          Level.WARNING,
          "verdict listener failed; the verdict stands: {0}",
          UntrustedText.describe(t));
    }
  }

  private void loadInitial() {
    Path path = directory.path();
    if (!Files.isDirectory(path)) {
      throw new TrustLoadException("trust directory " + path + " is not a directory");
    }
    TrustDirectory.Contents contents;
    try {
      contents = directory.read();
    } catch (IOException e) {
      throw new TrustLoadException(
          "cannot read trust directory "
              + path
              + ": "
              + UntrustedText.escape(e.toString(), UntrustedText.MESSAGE_MAX_LENGTH),
          e);
    }
    if (contents.jwksJson() == null) {
      throw new TrustLoadException("trust directory " + path + " has no " + TrustFiles.JWKS);
    }
    try {
      install(
          TrustState.parse(
              contents.jwksJson(),
              contents.statusListJsons(),
              contents.statusListJwts(),
              allowUnsigned));
    } catch (TrustLoadException e) {
      throw new TrustLoadException("trust directory " + path + ": " + e.getMessage(), e);
    }
    lastSeenFingerprint = contents.fingerprint();
    lastReloadStatus = ReloadStatus.ok(clock.instant(), "loaded " + trust.describe());
    LOG.log(Level.INFO, "trust from {0}: {1}", path, trust.describe());
  }

  /** Called by the watcher: reloads when the directory's fingerprint moved since the last try. */
  private void reloadIfChanged() {
    synchronized (reloadLock) {
      if (!fingerprintOrUnreadable().equals(lastSeenFingerprint)) {
        load();
      }
    }
  }

  // Holds reloadLock.
  private ReloadStatus load() {
    Path path = directory.path();
    ReloadStatus status;
    String seen = null;
    try {
      TrustDirectory.Contents contents = directory.read();
      seen = contents.fingerprint();
      TrustState next =
          TrustState.parse(
              contents.jwksJson(),
              contents.statusListJsons(),
              contents.statusListJwts(),
              allowUnsigned);
      install(next);
      String described = trust.describe();
      status = ReloadStatus.ok(clock.instant(), "loaded " + described);
      LOG.log(Level.INFO, "reloaded trust from {0}: {1}", path, described);
    } catch (IOException | RuntimeException e) {
      String message =
          UntrustedText.escape(
              e instanceof TrustLoadException ? e.getMessage() : e.toString(),
              UntrustedText.MESSAGE_MAX_LENGTH);
      status = ReloadStatus.failed(clock.instant(), message);
      LOG.log(
          Level.WARNING, "keeping the previous trust; reloading {0} failed: {1}", path, message);
    } finally {
      // A failed version is not retried until the directory changes again.
      lastSeenFingerprint = seen != null ? seen : fingerprintOrUnreadable();
    }
    lastReloadStatus = status;
    if (!status.ok()) {
      // Counted after the status is set: whoever sees the count sees this failure's status.
      failedReloads.incrementAndGet();
    }
    return status;
  }

  private String fingerprintOrUnreadable() {
    try {
      return directory.fingerprint();
    } catch (IOException e) {
      return "unreadable: " + e;
    }
  }

  /** Configures a {@link TokenVerifier}. */
  public static final class Builder {
    private Path trustDirectory;
    private String jwksJson;
    private String statusListJson;
    private String expectedIssuer;
    private boolean anyIssuer;
    private String expectedAudience;
    private Duration leeway = DEFAULT_LEEWAY;
    private Clock clock = Clock.systemUTC();
    private int maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH;
    private VerdictListener listener;
    private boolean watch = true;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private boolean allowUnsigned;
    private Duration maxStatusListAge;
    private URI trustUrl;
    private HttpClient httpClient;
    private final List<URI> statusListUris = new ArrayList<>();
    private Duration longPoll = DEFAULT_LONG_POLL;
    private Duration minBackoff = DEFAULT_MIN_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration refresh = Duration.ofSeconds(60);
    private int cacheCapacity;

    private Builder() {}

    /**
     * Remembers up to {@code maxEntries} accepted tokens, by the SHA-256 of the whole token (never
     * the token), so that a token seen again skips parsing and the Ed25519 signature check: about a
     * microsecond instead of about a hundred. On every call, hit or not, the token's key must still
     * be in the current JWKS with the same key material, {@code exp} and {@code nbf} are checked
     * against the clock, and its status against the indices ever seen revoked and the current
     * status list, so a revocation (from any source, in any accepted list), a stale list or a
     * removed key takes effect on the very next call. Issuer and audience are fixed per verifier.
     * When full, an entry not used recently (or expired) makes room. 0, the default, turns the
     * cache off. See {@link TokenVerifier#cacheStatistics()}.
     */
    public Builder verifiedTokenCache(int maxEntries) {
      if (maxEntries < 0) {
        throw new IllegalArgumentException("verifiedTokenCache must be 0 (off) or more");
      }
      this.cacheCapacity = maxEntries;
      return this;
    }

    /**
     * Follows a Status List provider (the operator) over HTTP: its JWKS at {@code
     * <url>/.well-known/jwks.json}, the status lists of {@link #statusListUri(URI)}, and every
     * status list URI on the same origin (scheme, host, port) that a verified token names. Lists
     * are long-polled (see {@link #longPoll(Duration)}), so a revocation arrives within about a
     * second. May be combined with {@link #trustDirectory(Path)}: per URI the valid list with the
     * highest {@code ver} is used (see {@link TokenVerifier}), and the keys of both are trusted.
     * {@link #build()} does not wait for the network (see {@link
     * TokenVerifier#awaitTrust(Duration)}).
     *
     * @param url the provider's base URL, {@code http} or {@code https}, without query or fragment
     */
    public Builder trustUrl(URI url) {
      Objects.requireNonNull(url, "url");
      String scheme =
          url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || url.getHost() == null
          || url.getRawQuery() != null
          || url.getRawFragment() != null
          || url.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "the trust URL must be an http(s) URL with a host and no query, fragment or user info");
      }
      this.trustUrl = url;
      return this;
    }

    /**
     * A status list URI to follow from the start over HTTP (besides those learned from tokens);
     * repeatable. Requires {@link #trustUrl(URI)}; may be on another origin.
     */
    public Builder statusListUri(URI uri) {
      String scheme =
          uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException("a status list URI must be an http(s) URL");
      }
      statusListUris.add(uri);
      return this;
    }

    /**
     * The HTTP client for {@link #trustUrl(URI)}; by default one client (HTTP/1.1, a small daemon
     * pool) shared by every verifier of the JVM. Pass your own for TLS settings or a proxy; share
     * it between verifiers too.
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * How long the provider may hold a conditional request for a status list ({@code ?wait=30s})
     * before answering 304; 0 turns long-polling off (the list is then fetched every {@code
     * max-age}, 1 s at least). 30 seconds by default, at most 60.
     */
    public Builder longPoll(Duration wait) {
      if (wait.isNegative() || wait.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("longPoll must be between 0 and 60 seconds");
      }
      this.longPoll = Duration.ofSeconds(wait.toSeconds());
      return this;
    }

    /**
     * The retry delays after an HTTP error: doubling from {@code min} to {@code max}, each drawn at
     * random from its upper half (so verifiers do not retry in lockstep); 0.5 s to 30 s by default.
     * A 503 or 429 with {@code Retry-After} waits that long instead (at most 60 s).
     */
    public Builder retryBackoff(Duration min, Duration max) {
      if (min.toMillis() < 1 || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("retryBackoff needs 1 ms <= min <= max");
      }
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /**
     * How often the JWKS is fetched again (conditionally), and a status list when long-polling is
     * off and the server gives no {@code max-age}; 60 seconds by default.
     */
    public Builder refreshInterval(Duration interval) {
      if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("refreshInterval must be at least 1 second");
      }
      this.refresh = interval;
      return this;
    }

    /**
     * A signed status list issued ({@code iat}) longer ago than this is stale even before its
     * {@code exp}: its tokens are {@link Rejection#STATUS_STALE}. Not set by default ({@code exp}
     * alone decides). The operator re-signs every {@code validity / 4}, so anything above that plus
     * the propagation delay of the channel works.
     */
    public Builder maxStatusListAge(Duration maxAge) {
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxStatusListAge must be positive");
      }
      this.maxStatusListAge = maxAge;
      return this;
    }

    /**
     * Also uses a trust directory's unsigned {@code status-list.json} / {@code
     * status-list-<k>.json} for shards that have no {@code .jwt} beside them: the legacy form,
     * written by operators before the signed Status List Token. Off by default, because an unsigned
     * list carries no {@code exp} and so can never go stale: a frozen copy would be trusted
     * forever. Without it, such files are ignored and their tokens are {@link
     * Rejection#STATUS_LIST_MISSING}.
     */
    public Builder allowUnsignedStatusList() {
      this.allowUnsigned = true;
      return this;
    }

    /**
     * Trusts the {@code jwks.json} and the signed status lists ({@code status-list.jwt}, shards
     * {@code status-list-1.jwt} to {@code status-list-15.jwt}, see {@link StatusListShards}) of a
     * mounted trust ConfigMap, and follows their updates (see {@link #watch(boolean)}). A Status
     * List Token that is not signed by a key of that {@code jwks.json} fails the load. The unsigned
     * {@code status-list*.json} files are used only with {@link #allowUnsignedStatusList()}. A
     * token whose list is absent is {@link Rejection#STATUS_LIST_MISSING}. May be combined with
     * {@link #trustUrl(URI)}.
     */
    public Builder trustDirectory(Path directory) {
      this.trustDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Trusts the given documents, fixed for the life of the verifier. The caller vouches for the
     * unsigned status list, which never goes stale; for tests and embedded use.
     *
     * @param jwksJson the {@code jwks.json} content
     * @param statusListJson the {@code status-list.json} content, or null for none
     */
    public Builder trust(String jwksJson, String statusListJson) {
      this.jwksJson = Objects.requireNonNull(jwksJson, "jwksJson");
      this.statusListJson = statusListJson;
      return this;
    }

    /** The only {@code iss} accepted. Required unless {@link #acceptAnyIssuer()} is called. */
    public Builder expectedIssuer(String issuer) {
      this.expectedIssuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** Accepts any {@code iss}; for diagnostics such as the CLI, not for services. */
    public Builder acceptAnyIssuer() {
      this.anyIssuer = true;
      return this;
    }

    /** An audience {@code aud} must contain; when not set, {@code aud} is not checked. */
    public Builder expectedAudience(String audience) {
      this.expectedAudience = audience;
      return this;
    }

    /**
     * Clock skew tolerated on {@code exp} and {@code nbf} of tokens, and on the {@code iat} of a
     * signed status list: a list issued further in the future than this is refused (a directory
     * reload fails, an HTTP fetch counts as failed) and the previous lists stay in use. 0 to 1
     * hour; 30 seconds by default.
     */
    public Builder leeway(Duration leeway) {
      if (leeway.isNegative() || leeway.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("leeway must be between 0 and 1 hour, got " + leeway);
      }
      this.leeway = leeway;
      return this;
    }

    /**
     * The clock for {@code exp} and {@code nbf}, and for the staleness and {@code iat} of status
     * lists; the system UTC clock by default.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Longer tokens are {@link Rejection#TOO_LARGE} before any parsing; 8 KiB by default. */
    public Builder maxTokenLength(int maxTokenLength) {
      if (maxTokenLength < 16) {
        throw new IllegalArgumentException("maxTokenLength must be at least 16");
      }
      this.maxTokenLength = maxTokenLength;
      return this;
    }

    /** Receives every verdict; see {@link VerdictListener}. */
    public Builder listener(VerdictListener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * Whether to follow updates of the trust directory on a daemon thread; true by default. Without
     * it, {@link TokenVerifier#reload()} still rereads the directory on demand.
     */
    public Builder watch(boolean watch) {
      this.watch = watch;
      return this;
    }

    /** How often the trust directory is checked besides file events; 250 ms by default. */
    public Builder pollInterval(Duration pollInterval) {
      if (pollInterval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("pollInterval must be at least 10 ms");
      }
      this.pollInterval = pollInterval;
      return this;
    }

    /**
     * Builds the verifier and loads its trust.
     *
     * @throws IllegalStateException when the configuration is incomplete
     * @throws TrustLoadException when the trust documents cannot be read or are malformed
     */
    public TokenVerifier build() {
      boolean sources = trustDirectory != null || trustUrl != null;
      if (sources == (jwksJson != null)) {
        throw new IllegalStateException(
            "set trustDirectory(...) and/or trustUrl(...), or else trust(...)");
      }
      if (!statusListUris.isEmpty() && trustUrl == null) {
        throw new IllegalStateException("statusListUri(...) needs trustUrl(...)");
      }
      if (expectedIssuer == null && !anyIssuer) {
        throw new IllegalStateException("set expectedIssuer(...), or acceptAnyIssuer() on purpose");
      }
      return new TokenVerifier(this);
    }
  }
}
