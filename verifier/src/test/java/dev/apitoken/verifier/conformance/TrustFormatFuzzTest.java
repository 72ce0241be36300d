package dev.apitoken.verifier.conformance;

import static dev.apitoken.verifier.TokenFactory.AUDIENCE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.STATUS_URI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 10: mutated tokens (byte and JSON level, re-signed with the trusted key so that only
 * the format can reject them) and mutated trust files, each checked by the verifier and by {@link
 * StrictTrustChecker}, an independent reading of docs/TRUST-FORMAT.md. The verifier must never
 * accept what the checker refuses, and must never fail other than by its documented rejections and
 * {@link TrustLoadException}.
 *
 * <p>CI runs a few thousand cases of each kind (a fixed seed, so a failure reproduces); more with
 * {@code mvn -B -o -pl verifier test -Dtest=TrustFormatFuzzTest -Dfuzz.tokens=500000
 * -Dfuzz.trustFiles=50000 -Dfuzz.seed=42}.
 */
class TrustFormatFuzzTest {
  static final long SHARD = StrictTrustChecker.SHARD_SIZE;
  static final long LIMIT = SHARD * StrictTrustChecker.SHARDS;
  static final String OTHER_URI = "https://other.example/status";
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey SECOND_KEY = TestKey.fromSeed(2);
  static final TestKey UNTRUSTED_KEY = TestKey.fromSeed(3);
  static final Duration LEEWAY = Duration.ofSeconds(30);

  static final long TOKENS = Long.getLong("fuzz.tokens", 40_000);
  static final long TRUST_FILES = Long.getLong("fuzz.trustFiles", 600);
  static final long SEED = Long.getLong("fuzz.seed", 20_261_202L);

  @TempDir Path dir;
  private final AtomicInteger unexpected = new AtomicInteger();
  private final Handler unexpectedFailures =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getMessage() != null && record.getMessage().contains("unexpectedly")) {
            unexpected.incrementAndGet();
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final Logger verifierLog = Logger.getLogger(TokenVerifier.class.getName());
  private Level previousLevel;

  @BeforeEach
  void listenForUnexpectedFailures() {
    // The verifier turns an unexpected exception into MALFORMED and says so at DEBUG (FINE).
    previousLevel = verifierLog.getLevel();
    verifierLog.setLevel(Level.ALL);
    verifierLog.addHandler(unexpectedFailures);
  }

  @AfterEach
  void stopListening() {
    verifierLog.removeHandler(unexpectedFailures);
    verifierLog.setLevel(previousLevel);
  }

  // ---------------------------------------------------------------- the trust files

  static final Map<String, String> BASE_TRUST = createBaseTrust(15);

  /** Shard 3 instead of 15, which inflates to half a MiB rather than 4 MiB on every load. */
  static final Map<String, String> SMALL_TRUST = createBaseTrust(3);

  /** A fresh copy of the base trust directory's files. */
  static Map<String, String> baseTrust() {
    return new java.util.LinkedHashMap<>(BASE_TRUST);
  }

  /** The files of a trust directory with shards 0, 1, 2 (another uri) and {@code last}. */
  private static Map<String, String> createBaseTrust(int last) {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    files.put("jwks.json", TestKey.jwks(KEY, SECOND_KEY));
    files.put("status-list.json", list(0, 65_536, STATUS_URI, 7));
    files.put("status-list-1.json", list(1, SHARD + 65_536, STATUS_URI, SHARD, SHARD - 1, 3));
    files.put("status-list-2.json", list(2, 2 * SHARD + 8, OTHER_URI));
    long end = (last + 1) * SHARD;
    files.put("status-list-" + last + ".json", list(last, end, STATUS_URI, end - 1, last * SHARD));
    return files;
  }

  static String list(int shard, long end, String uri, long... revoked) {
    StatusList list = new StatusList(1, end);
    for (long idx : revoked) {
      list.set(idx, StatusList.INVALID);
    }
    return StatusListDocument.of(list, uri).toJson();
  }

  static List<String> statusFiles(Map<String, String> files) {
    List<String> byShard = new ArrayList<>();
    for (int k = 0; k < StrictTrustChecker.SHARDS; k++) {
      byShard.add(files.get(k == 0 ? "status-list.json" : "status-list-" + k + ".json"));
    }
    return byShard;
  }

  private void writeTrust(Map<String, String> files) throws IOException {
    try (var old = Files.list(dir)) {
      for (Path file : old.toList()) {
        Files.delete(file);
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
    }
  }

  private TokenVerifier verifier() {
    return TokenVerifier.builder()
        .trustDirectory(dir)
        .allowUnsignedStatusList()
        .watch(false)
        .expectedIssuer(ISSUER)
        .expectedAudience(AUDIENCE)
        .leeway(LEEWAY)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
  }

  private static StrictTrustChecker.Outcome check(StrictTrustChecker checker, String token) {
    return checker.check(token, ISSUER, AUDIENCE, NOW.toEpochMilli(), LEEWAY.toMillis());
  }

  private static String name(Verdict verdict) {
    return verdict.isAccepted() ? "VALID" : verdict.rejection().orElseThrow().name();
  }

  // ---------------------------------------------------------------- tokens

  /** CPU time of this thread, which does all the work: wall time on a busy CI host says little. */
  private static long cpuMillis() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1_000_000;
  }

  @Test
  void mutatedTokensAreNeverAcceptedWhenTheStrictCheckerRefusesThem() throws Exception {
    long cpuStart = cpuMillis();
    Map<String, String> trust = baseTrust();
    writeTrust(trust);
    StrictTrustChecker checker =
        StrictTrustChecker.load(trust.get("jwks.json"), statusFiles(trust));
    TokenMutator mutator = new TokenMutator(new Random(SEED));
    long accepted = 0;
    long rejected = 0;
    long stricter = 0;
    List<String> wronglyAccepted = new ArrayList<>();
    List<String> stricterExamples = new ArrayList<>();

    try (TokenVerifier verifier = verifier()) {
      for (String seed : mutator.seedTokens()) {
        assertThat(name(verifier.verify(seed))).isEqualTo(check(checker, seed).name());
      }
      for (long i = 0; i < TOKENS; i++) {
        String token = mutator.next();
        Verdict verdict = verifier.verify(token);
        StrictTrustChecker.Outcome strict = check(checker, token);
        if (verdict.isAccepted()) {
          accepted++;
          if (strict != StrictTrustChecker.Outcome.VALID && wronglyAccepted.size() < 10) {
            wronglyAccepted.add(strict + " " + token);
          }
        } else {
          rejected++;
          if (strict == StrictTrustChecker.Outcome.VALID) {
            stricter++;
            if (stricterExamples.size() < 5) {
              stricterExamples.add(name(verdict) + " " + token);
            }
          }
        }
      }
    }

    System.out.printf(
        "mutated tokens: %d, accepted: %d (all also accepted by the strict checker: %s),"
            + " rejected: %d (of which the strict checker accepts %d), unexpected exceptions: %d;"
            + " %d ms of CPU%n",
        TOKENS,
        accepted,
        wronglyAccepted.isEmpty(),
        rejected,
        stricter,
        unexpected.get(),
        cpuMillis() - cpuStart);
    stricterExamples.forEach(example -> System.out.println("  stricter: " + example));
    assertThat(wronglyAccepted).as("accepted by the verifier, refused by the checker").isEmpty();
    assertThat(unexpected.get()).as("verifications that failed unexpectedly").isZero();
    assertThat(accepted).as("the mutations also produce tokens that stay valid").isPositive();
  }

  // ---------------------------------------------------------------- trust files

  @Test
  void mutatedTrustFilesAreNeverLoadedWhenTheStrictCheckerRefusesThem() throws Exception {
    long cpuStart = cpuMillis();
    Random random = new Random(SEED + 1);
    TrustFileMutator mutator = new TrustFileMutator(random);
    TokenMutator tokens = new TokenMutator(new Random(SEED + 2));
    // Seed tokens across the shards and both keys; every loaded trust is asked about each.
    List<String> probes = tokens.seedTokens();
    long loaded = 0;
    long refused = 0;
    long probed = 0;
    long stricter = 0;
    List<String> wronglyLoaded = new ArrayList<>();
    List<String> disagreements = new ArrayList<>();
    List<String> unchecked = new ArrayList<>();

    for (long i = 0; i < TRUST_FILES; i++) {
      Map<String, String> files = mutator.next(new java.util.LinkedHashMap<>(SMALL_TRUST));
      writeTrust(files);
      StrictTrustChecker checker;
      try {
        checker = StrictTrustChecker.load(files.get("jwks.json"), statusFiles(files));
      } catch (StrictTrustChecker.Refused e) {
        checker = null;
      }
      TokenVerifier verifier;
      try {
        verifier = verifier();
      } catch (TrustLoadException e) {
        refused++;
        if (checker != null) {
          stricter++;
        }
        continue;
      } catch (RuntimeException e) {
        if (unchecked.size() < 10) {
          unchecked.add(e + " for " + files.keySet());
        }
        continue;
      }
      try (verifier) {
        loaded++;
        if (checker == null) {
          if (wronglyLoaded.size() < 10) {
            wronglyLoaded.add(files.toString());
          }
          continue;
        }
        for (String probe : probes) {
          probed++;
          String verdict = name(verifier.verify(probe));
          String strict = check(checker, probe).name();
          if (!verdict.equals(strict) && disagreements.size() < 10) {
            disagreements.add(verdict + " vs " + strict + " for " + probe + " with " + files);
          }
        }
      }
    }

    System.out.printf(
        "mutated trust files: %d, loaded: %d (all also loaded by the strict checker: %s),"
            + " refused: %d (of which the strict checker loads %d), probe verdicts compared: %d,"
            + " disagreements: %d; %d ms of CPU%n",
        TRUST_FILES,
        loaded,
        wronglyLoaded.isEmpty(),
        refused,
        stricter,
        probed,
        disagreements.size(),
        cpuMillis() - cpuStart);
    assertThat(unchecked).as("failures other than TrustLoadException").isEmpty();
    assertThat(wronglyLoaded).as("loaded by the verifier, refused by the checker").isEmpty();
    assertThat(disagreements).as("verdicts on the same trust").isEmpty();
    assertThat(unexpected.get()).isZero();
    assertThat(loaded).as("the mutations also produce trust files that stay valid").isPositive();
  }

  // ---------------------------------------------------------------- mutators

  /** Raw JSON values that stress types, ranges, escapes and the grammar. */
  static final String[] VALUES = {
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "1.0",
    "1e3",
    "1E+3",
    "0.5",
    "3",
    "7",
    "01",
    "2097151",
    "2097152",
    "2097153",
    "33554431",
    "33554432",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "253402300799",
    "253402300800",
    Long.toString(NOW.getEpochSecond() + 3600),
    Long.toString(NOW.getEpochSecond() - 29),
    Long.toString(NOW.getEpochSecond() - 31),
    Long.toString(NOW.getEpochSecond() + 29),
    Long.toString(NOW.getEpochSecond() + 31),
    "\"\"",
    "\"x\"",
    "\"orders\"",
    "[\"orders\"]",
    "[]",
    "[1]",
    "[\"orders\",1]",
    "[\"billing\"]",
    "{}",
    "{\"a\":1}",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud83d\\ude00\"",
    "\"\\u0041\"",
    "\"a\\u0000b\"",
    "\"\u2028\u0085\"",
    "\"\\/\"",
    "\"" + ISSUER + "\"",
    "\"https:\\/\\/apitoken.example\"",
    "\"https://apitoken.example \"",
    "\"" + STATUS_URI + "\"",
    "\"" + OTHER_URI + "\"",
    "[".repeat(40) + "]".repeat(40),
    "[".repeat(1_100) + "]".repeat(1_100),
    "\"\\x\"",
    "tru",
    "\"unterminated",
    "{\"a\":1,\"a\":2}",
    "\"JWT\"",
    "\"EdDSA\"",
    "\"none\"",
    "\"HS256\"",
  };

  /** Index values around every shard boundary and the limit. */
  static final long[] INDICES = {
    0,
    3,
    7,
    65_535,
    65_536,
    SHARD - 1,
    SHARD,
    SHARD + 1,
    SHARD + 65_535,
    SHARD + 65_536,
    2 * SHARD,
    2 * SHARD + 7,
    2 * SHARD + 8,
    3 * SHARD,
    15 * SHARD - 1,
    15 * SHARD,
    15 * SHARD + 1,
    LIMIT - 2,
    LIMIT - 1,
    LIMIT,
    LIMIT + 1,
    Long.MAX_VALUE,
  };

  /** Interesting byte sequences to splice into JSON text. */
  static final byte[][] BYTES = {
    {0},
    {'"'},
    {'\\'},
    {'{'},
    {'}'},
    {','},
    {':'},
    {' '},
    {'\t'},
    {'\n'},
    {(byte) 0x7F},
    {(byte) 0xC0, (byte) 0xAF},
    {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
    {(byte) 0xE2, (byte) 0x80, (byte) 0xA8},
    {(byte) 0xC2, (byte) 0x85},
    {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
    {(byte) 0xFF},
    {(byte) 0x80},
    {(byte) 0xC2},
  };

  /** A JSON object as an ordered list of members with raw values, so it can say anything. */
  static final class RawObject {
    final List<String[]> members = new ArrayList<>();

    RawObject put(String name, String rawValue) {
      members.add(new String[] {name, rawValue});
      return this;
    }

    String toJson(String separator) {
      StringBuilder out = new StringBuilder("{");
      for (int i = 0; i < members.size(); i++) {
        if (i > 0) {
          out.append(',').append(separator);
        }
        out.append('"').append(members.get(i)[0]).append("\":").append(separator);
        out.append(members.get(i)[1]);
      }
      return out.append('}').toString();
    }
  }

  static String quoted(String text) {
    return "\"" + text + "\"";
  }

  static String statusReference(long idx, String uri) {
    return "{\"status_list\":{\"idx\":" + idx + ",\"uri\":" + quoted(uri) + "}}";
  }

  /** Makes tokens: valid seeds, then mutations of them, signed after mutating. */
  static final class TokenMutator {
    private final Random random;

    TokenMutator(Random random) {
      this.random = random;
    }

    RawObject header(TestKey key) {
      return new RawObject()
          .put("alg", "\"EdDSA\"")
          .put("typ", "\"JWT\"")
          .put("kid", quoted(key.kid()));
    }

    RawObject payload(long idx) {
      long now = NOW.getEpochSecond();
      return new RawObject()
          .put("iss", quoted(ISSUER))
          .put("sub", "\"system:serviceaccount:shop:checkout\"")
          .put("aud", "[\"orders\",\"billing\"]")
          .put("scope", "\"orders:read orders:write\"")
          .put("iat", Long.toString(now - 60))
          .put("nbf", Long.toString(now - 60))
          .put("exp", Long.toString(now + 3600))
          .put("jti", "\"AAECAwQFBgcICQoLDA0ODw\"")
          .put("status", statusReference(idx, STATUS_URI));
    }

    static String sign(TestKey key, String encodedHeader, String encodedPayload) {
      String input = encodedHeader + "." + encodedPayload;
      return input + "." + b64(key.sign(input.getBytes(StandardCharsets.US_ASCII)));
    }

    static String b64(byte[] bytes) {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** One valid-looking token per interesting index, plus a few legal variations. */
    List<String> seedTokens() {
      List<String> seeds = new ArrayList<>();
      for (long idx : INDICES) {
        seeds.add(token(header(KEY).toJson(""), payload(idx).toJson("")));
      }
      seeds.add(token(header(SECOND_KEY).toJson(""), payload(3).toJson(""), SECOND_KEY));
      RawObject escaped = payload(3);
      escaped.members.set(1, new String[] {"sub", "\"\\u0073ub\\ud83d\\ude00\""});
      seeds.add(token(header(KEY).toJson(" "), escaped.toJson("\n ")));
      RawObject single = payload(SHARD + 1).put("cnf", "{\"x\":[1,{\"y\":null}]}");
      single.members.set(2, new String[] {"aud", "\"orders\""});
      seeds.add(token(header(KEY).toJson(""), single.toJson("")));
      return seeds;
    }

    private static String token(String header, String payload) {
      return token(header, payload, KEY);
    }

    private static String token(String header, String payload, TestKey key) {
      return sign(
          key,
          b64(header.getBytes(StandardCharsets.UTF_8)),
          b64(payload.getBytes(StandardCharsets.UTF_8)));
    }

    String next() {
      RawObject header = header(random.nextInt(20) == 0 ? SECOND_KEY : KEY);
      RawObject payload = payload(INDICES[random.nextInt(INDICES.length)]);
      int jsonMutations = random.nextInt(3);
      for (int i = 0; i < jsonMutations; i++) {
        mutateObject(random.nextInt(4) == 0 ? header : payload);
      }
      String separator = pick(new String[] {"", "", "", " ", "\n\t", "\r\n", "\u00a0", "\f"});
      String headerJson = mutateText(header.toJson(separator), random.nextInt(8) == 0);
      String payloadJson = mutateText(payload.toJson(separator), random.nextInt(4) == 0);
      byte[] headerBytes = mutateBytes(encode(headerJson), random.nextInt(10) == 0);
      byte[] payloadBytes = mutateBytes(encode(payloadJson), random.nextInt(4) == 0);
      String encodedHeader = mutateEncoding(b64(headerBytes));
      String encodedPayload = mutateEncoding(b64(payloadBytes));
      return switch (random.nextInt(40)) {
        case 0 -> sign(UNTRUSTED_KEY, encodedHeader, encodedPayload);
        case 1 -> sign(SECOND_KEY, encodedHeader, encodedPayload);
        case 2 -> {
          String signed = sign(KEY, encodedHeader, encodedPayload);
          char[] chars = signed.toCharArray();
          int at = signed.lastIndexOf('.') + 1 + random.nextInt(80);
          chars[at] = chars[at] == 'A' ? 'B' : 'A';
          yield new String(chars);
        }
        case 3 -> encodedHeader + "." + encodedPayload + ".";
        case 4 ->
            sign(KEY, encodedHeader, encodedPayload) + pick(new String[] {".", " ", "=", ".x"});
        default -> sign(KEY, encodedHeader, encodedPayload);
      };
    }

    private void mutateObject(RawObject object) {
      List<String[]> members = object.members;
      int at = members.isEmpty() ? 0 : random.nextInt(members.size());
      switch (random.nextInt(9)) {
        case 0 -> {
          if (!members.isEmpty()) {
            members.get(at)[1] = pick(VALUES);
          }
        }
        case 1 -> {
          if (!members.isEmpty()) {
            members.remove(at);
          }
        }
        case 2 -> {
          if (!members.isEmpty()) {
            String[] copy = members.get(at);
            members.add(random.nextInt(members.size() + 1), new String[] {copy[0], pick(VALUES)});
          }
        }
        case 3 ->
            members.add(
                random.nextInt(members.size() + 1),
                new String[] {
                  pick(new String[] {"x", "crit", "jku", "cnf", "\\u0069ss", "d"}), pick(VALUES)
                });
        case 4 -> {
          if (!members.isEmpty()) {
            // Same name spelled with an escape: equal to a strict reader, so a duplicate if
            // repeated.
            String name = members.get(at)[0];
            members.get(at)[0] =
                "\\u" + String.format("%04x", (int) name.charAt(0)) + name.substring(1);
          }
        }
        case 5 -> setStatus(object);
        case 6 -> {
          if (!members.isEmpty()) {
            // Change one character of a value's text.
            String value = members.get(at)[1];
            if (!value.isEmpty()) {
              int c = random.nextInt(value.length());
              members.get(at)[1] =
                  value.substring(0, c)
                      + (char) (value.charAt(c) + (random.nextBoolean() ? 1 : -1))
                      + value.substring(c + 1);
            }
          }
        }
        case 7 -> {
          if (!members.isEmpty()) {
            members.get(at)[1] = "\"" + members.get(at)[1].replace("\"", "") + "\"";
          }
        }
        default -> {
          if (members.size() > 1) {
            int other = random.nextInt(members.size());
            String[] swap = members.get(at);
            members.set(at, members.get(other));
            members.set(other, swap);
          }
        }
      }
    }

    private void setStatus(RawObject object) {
      long idx = INDICES[random.nextInt(INDICES.length)];
      String uri = pick(new String[] {STATUS_URI, STATUS_URI, OTHER_URI, "", STATUS_URI + "/"});
      String raw =
          switch (random.nextInt(8)) {
            case 0 -> "{\"status_list\":{\"idx\":" + idx + ",\"uri\":" + quoted(uri) + ",\"x\":1}}";
            case 1 -> "{\"status_list\":{\"idx\":" + idx + "}}";
            case 2 ->
                "{\"other\":{\"idx\":1},\"status_list\":{\"uri\":"
                    + quoted(uri)
                    + ",\"idx\":"
                    + idx
                    + "}}";
            case 3 ->
                "{\"status_list\":{\"idx\":" + pick(VALUES) + ",\"uri\":" + quoted(uri) + "}}";
            case 4 -> "{\"status_list\":{\"idx\":" + idx + ",\"uri\":" + pick(VALUES) + "}}";
            case 5 -> "{\"status_list\":" + pick(VALUES) + "}";
            case 6 ->
                "{\"status_list\":{\"idx\":"
                    + idx
                    + ",\"uri\":\"https:\\/\\/apitoken.example\\/status\\/default\"}}";
            default -> statusReference(idx, uri);
          };
      object.members.removeIf(member -> member[0].equals("status"));
      object.put("status", raw);
    }

    private String mutateText(String json, boolean mutate) {
      if (!mutate) {
        return json;
      }
      return switch (random.nextInt(7)) {
        case 0 -> "\uFEFF" + json;
        case 1 -> json + pick(new String[] {" ", "\n", "x", "{}", "\u0000", "\u2028", ",", "]"});
        case 2 -> json.substring(0, random.nextInt(json.length()));
        case 3 -> pick(new String[] {" ", "\t", "\n\r", "\u00a0"}) + json;
        case 4 -> "[" + json + "]";
        case 5 -> json.replace("\"", "'");
        default -> {
          int at = random.nextInt(json.length());
          yield json.substring(0, at)
              + pick(new String[] {"\\", "\"", " ", "\u2028", "\\u"})
              + json.substring(at);
        }
      };
    }

    private byte[] encode(String json) {
      if (random.nextInt(60) == 0) {
        Charset other =
            Charset.forName(
                pick(new String[] {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "ISO-8859-1"}));
        return json.getBytes(other);
      }
      return json.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] mutateBytes(byte[] bytes, boolean mutate) {
      if (!mutate || bytes.length == 0) {
        return bytes;
      }
      int at = random.nextInt(bytes.length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (random.nextInt(4)) {
        case 0 -> {
          byte[] copy = bytes.clone();
          copy[at] ^= (byte) (1 << random.nextInt(8));
          return copy;
        }
        case 1 -> {
          out.write(bytes, 0, at);
          out.write(bytes, at + 1, bytes.length - at - 1);
        }
        case 2 -> {
          out.write(bytes, 0, at);
          byte[] splice = BYTES[random.nextInt(BYTES.length)];
          out.write(splice, 0, splice.length);
          out.write(bytes, at, bytes.length - at);
        }
        default -> {
          byte[] copy = bytes.clone();
          copy[at] = (byte) random.nextInt(256);
          return copy;
        }
      }
      return out.toByteArray();
    }

    /** Mostly canonical; sometimes padded, standard-alphabet, or with non-zero trailing bits. */
    private String mutateEncoding(String encoded) {
      return switch (random.nextInt(30)) {
        case 0 ->
            encoded
                + "="
                    .repeat(
                        (4 - encoded.length() % 4) % 4 == 0 ? 1 : (4 - encoded.length() % 4) % 4);
        case 1 -> encoded.replace('-', '+').replace('_', '/');
        case 2 -> {
          if (encoded.isEmpty() || encoded.length() % 4 == 0) {
            yield encoded + "A";
          }
          char last = encoded.charAt(encoded.length() - 1);
          String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
          yield encoded.substring(0, encoded.length() - 1)
              + alphabet.charAt((alphabet.indexOf(last) + 1) % 64);
        }
        case 3 -> encoded.isEmpty() ? encoded : encoded.substring(0, encoded.length() - 1);
        default -> encoded;
      };
    }

    private String pick(String[] options) {
      return options[random.nextInt(options.length)];
    }
  }

  /** Makes trust directories: the base files with one to three mutations. */
  static final class TrustFileMutator {
    private final Random random;

    TrustFileMutator(Random random) {
      this.random = random;
    }

    Map<String, String> next(Map<String, String> files) {
      int mutations = 1 + random.nextInt(2);
      for (int i = 0; i < mutations; i++) {
        List<String> names = new ArrayList<>(files.keySet());
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(10)) {
          case 0 -> files.remove(name);
          case 1 -> files.put(name, "\uFEFF" + files.get(name));
          case 2, 3 -> files.put(name, mutateText(files.get(name)));
          case 4 ->
              files.put(
                  "status-list-" + (1 + random.nextInt(15)) + ".json",
                  statusDocument(random.nextInt(16)));
          case 5 -> files.put("jwks.json", jwks());
          default ->
              files.put(
                  name.equals("jwks.json") ? "status-list.json" : name,
                  statusDocument(shardOf(name)));
        }
      }
      return files;
    }

    private static int shardOf(String name) {
      return name.equals("status-list.json") || name.equals("jwks.json")
          ? 0
          : Integer.parseInt(
              name.substring("status-list-".length(), name.length() - ".json".length()));
    }

    private String mutateText(String json) {
      int at = random.nextInt(json.length());
      return switch (random.nextInt(6)) {
        case 0 -> json.substring(0, at);
        case 1 -> json.substring(0, at) + json.substring(at + 1);
        case 2 ->
            json.substring(0, at)
                + pick(new String[] {"\"", "\\", " ", "\u2028", "\u0000", ",", "{"})
                + json.substring(at);
        case 3 -> json + pick(new String[] {" ", "\n", "x", "{}"});
        case 4 ->
            json.substring(0, at)
                + (char) (json.charAt(at) ^ (1 << random.nextInt(7)))
                + json.substring(at + 1);
        default ->
            json.replaceFirst(
                "\\{",
                "{\"extra\":" + java.util.regex.Matcher.quoteReplacement(pick(VALUES)) + ",");
      };
    }

    private String jwks() {
      TestKey key = random.nextBoolean() ? KEY : SECOND_KEY;
      RawObject jwk =
          new RawObject()
              .put("kty", "\"OKP\"")
              .put("crv", "\"Ed25519\"")
              .put("kid", quoted(key.kid()))
              .put("x", quoted(key.x()))
              .put("use", "\"sig\"")
              .put("alg", "\"EdDSA\"");
      int at = random.nextInt(jwk.members.size());
      switch (random.nextInt(7)) {
        case 0 -> jwk.members.remove(at);
        case 1 -> jwk.members.get(at)[1] = pick(VALUES);
        case 2 -> jwk.put(pick(new String[] {"d", "x5c", "kty", "ext"}), pick(VALUES));
        case 3 -> jwk.members.get(3)[1] = quoted(key.x() + pick(new String[] {"=", "A", "AA"}));
        case 4 -> jwk.members.get(at)[1] = jwk.members.get(at)[1].toUpperCase();
        case 5 -> jwk.members.get(2)[1] = quoted(KEY.kid().substring(1) + "A");
        default -> {
          // unchanged key
        }
      }
      String keys = jwk.toJson("");
      return switch (random.nextInt(6)) {
        case 0 -> "{\"keys\":[" + keys + "," + keys + "]}";
        case 1 -> "{\"keys\":[" + keys + "],\"extra\":1}";
        case 2 -> "{\"keys\":" + keys + "}";
        case 3 -> "{\"keys\":[]}";
        default -> "{\"keys\":[" + keys + "," + TestKey.jwks(UNTRUSTED_KEY).substring(9);
      };
    }

    /** Encoded lists by shape: deflating megabytes of zeros for every case would take minutes. */
    private static final Map<String, StatusList> LISTS = new java.util.HashMap<>();

    private String statusDocument(int shard) {
      int endChoice = random.nextInt(4);
      // Wide entries only for the first shards, so no list is more than a few MiB.
      int bits = shard <= 2 ? pick(new int[] {1, 1, 2, 8}) : 1;
      int pattern = random.nextInt(3);
      StatusList list =
          LISTS.computeIfAbsent(
              shard + "/" + endChoice + "/" + bits + "/" + pattern,
              key -> {
                long end =
                    switch (endChoice) {
                      case 0 -> shard * SHARD + 8;
                      case 1 -> (shard + 1) * SHARD;
                      case 2 -> Math.max(8, shard * SHARD - 8);
                      default -> (shard + 2) * SHARD;
                    };
                StatusList fresh = new StatusList(bits, Math.min(end, LIMIT));
                for (int i = 0; i < INDICES.length; i++) {
                  long idx = INDICES[i];
                  if (idx < fresh.size() && (i + pattern) % 3 != 0) {
                    fresh.set(idx, 1 + (i + pattern) % ((1 << bits) - 1));
                  }
                }
                return fresh;
              });
      String lst = LISTS_ENCODED.computeIfAbsent(list, StatusList::encodeLst);
      String bitsValue = Integer.toString(bits);
      String uri = quoted(random.nextInt(5) == 0 ? OTHER_URI : STATUS_URI);
      switch (random.nextInt(14)) {
        case 0 -> lst = lst + "=";
        case 1 -> lst = lst.replace('-', '+');
        case 2 -> lst = lst.substring(0, lst.length() - 2);
        case 3 -> lst = TokenMutator.b64(rawDeflate(list.toBytes()));
        case 4 ->
            lst = TokenMutator.b64(concat(Base64.getUrlDecoder().decode(lst), new byte[] {0}));
        case 5 ->
            bitsValue = pick(new String[] {"0", "3", "16", "1.0", "\"1\"", "-1", "01", "1e0"});
        case 6 -> uri = pick(VALUES);
        case 7 -> lst = "";
        default -> {
          // well formed
        }
      }
      return "{\"bits\":" + bitsValue + ",\"lst\":" + quoted(lst) + ",\"uri\":" + uri + "}";
    }

    private static final Map<StatusList, String> LISTS_ENCODED = new java.util.IdentityHashMap<>();

    private static byte[] rawDeflate(byte[] bytes) {
      Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
      deflater.setInput(bytes);
      deflater.finish();
      byte[] buffer = new byte[bytes.length + 1024];
      int n = deflater.deflate(buffer);
      deflater.end();
      return Arrays.copyOf(buffer, n);
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }

    private String pick(String[] options) {
      return options[random.nextInt(options.length)];
    }

    private int pick(int[] options) {
      return options[random.nextInt(options.length)];
    }
  }
}
