package dev.apitoken.verifier;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusListShards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A mounted trust ConfigMap: {@code jwks.json}, the signed Status List Tokens {@code
 * status-list.jwt} and {@code status-list-1.jwt} to {@code status-list-15.jwt}, and their unsigned
 * JSON forms {@code status-list.json} and {@code status-list-1.json} to {@code status-list-15.json}
 * (see {@link StatusListShards}), usually symlinks into {@code ..data/}, which the kubelet repoints
 * atomically on every update. With shards, the ConfigMaps are mounted as one projected volume, so
 * all files still swap together.
 */
final class TrustDirectory {
  static final String DATA_LINK = "..data";

  /** jwks.json, then the status list files by shard (JSON), then the Status List Tokens. */
  private static final List<String> FILES = files();

  /** ConfigMaps hold at most 1 MiB; anything far beyond that is not ours. */
  private static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

  private static final int READ_ATTEMPTS = 3;

  /**
   * The documents as read together from one version of the directory.
   *
   * @param fingerprint identifies that version (see {@link #fingerprint()})
   * @param jwksJson {@code jwks.json}, or null when absent
   * @param statusListJsons the status list file of each shard, index = shard, null when absent;
   *     {@link StatusListShards#MAX_SHARDS} entries
   * @param statusListJwts the Status List Token file of each shard, as {@code statusListJsons}
   */
  record Contents(
      String fingerprint,
      String jwksJson,
      List<String> statusListJsons,
      List<String> statusListJwts) {}

  private final Path directory;

  TrustDirectory(Path directory) {
    this.directory = directory;
  }

  Path path() {
    return directory;
  }

  /**
   * A cheap identity of the directory's current version: the {@code ..data} link target plus the
   * resolved path, modification time, size and file key of each document. Any kubelet update or
   * in-place edit changes it.
   */
  String fingerprint() throws IOException {
    StringBuilder fingerprint = new StringBuilder(256);
    try {
      fingerprint.append(Files.readSymbolicLink(directory.resolve(DATA_LINK)));
    } catch (NoSuchFileException | NotLinkException | UnsupportedOperationException e) {
      fingerprint.append('-');
    }
    for (String name : FILES) {
      fingerprint.append('|');
      try {
        Path real = directory.resolve(name).toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        fingerprint
            .append(real)
            .append('@')
            .append(attributes.lastModifiedTime())
            .append('#')
            .append(attributes.size())
            .append('#')
            .append(attributes.fileKey());
      } catch (NoSuchFileException e) {
        fingerprint.append('-');
      }
    }
    return fingerprint.toString();
  }

  /**
   * Reads every document from one version of the directory: when the fingerprint changed while
   * reading (a swap happened in between), reads again.
   */
  Contents read() throws IOException {
    for (int attempt = 1; ; attempt++) {
      String before = fingerprint();
      try {
        String jwks = readIfPresent(TrustFiles.JWKS);
        List<String> statusLists = new ArrayList<>(StatusListShards.MAX_SHARDS);
        List<String> tokens = new ArrayList<>(StatusListShards.MAX_SHARDS);
        for (int shard = 0; shard < StatusListShards.MAX_SHARDS; shard++) {
          statusLists.add(readIfPresent(TrustFiles.statusList(shard)));
          tokens.add(readIfPresent(TrustFiles.statusListToken(shard)));
        }
        if (before.equals(fingerprint())) {
          return new Contents(
              before,
              jwks,
              Collections.unmodifiableList(statusLists),
              Collections.unmodifiableList(tokens));
        }
      } catch (IOException e) {
        // The kubelet deletes the previous version right after the swap; a read that raced it
        // fails, and the next attempt sees the new version.
        if (attempt >= READ_ATTEMPTS || before.equals(fingerprint())) {
          throw e;
        }
      }
      if (attempt >= READ_ATTEMPTS) {
        throw new IOException("the trust directory kept changing while it was read");
      }
    }
  }

  private static List<String> files() {
    List<String> files = new ArrayList<>();
    files.add(TrustFiles.JWKS);
    for (int shard = 0; shard < StatusListShards.MAX_SHARDS; shard++) {
      files.add(TrustFiles.statusList(shard));
    }
    for (int shard = 0; shard < StatusListShards.MAX_SHARDS; shard++) {
      files.add(TrustFiles.statusListToken(shard));
    }
    return List.copyOf(files);
  }

  private String readIfPresent(String name) throws IOException {
    Path file = directory.resolve(name);
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new IOException(name + " has " + size + " bytes, more than " + MAX_FILE_BYTES);
      }
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
