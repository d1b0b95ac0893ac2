package io.trainwatch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The git revision of the working directory the suite ran in, and which top-level directories had
 * uncommitted changes: figures measured on a modified tree are only reproducible with those
 * changes.
 *
 * @param commit abbreviated commit id, or {@code "unknown"} outside a git work tree
 * @param modified top-level directories with uncommitted changes to tracked files, sorted
 */
public record SourceRevision(String commit, List<String> modified) {

  public SourceRevision {
    modified = List.copyOf(modified);
  }

  /** The revision of the current directory's work tree. */
  public static SourceRevision current() {
    String commit = git("rev-parse", "--short", "HEAD");
    if (commit == null || commit.isBlank()) {
      return new SourceRevision("unknown", List.of());
    }
    String status = git("status", "--porcelain", "--untracked-files=no");
    TreeSet<String> dirs = new TreeSet<>();
    if (status != null) {
      for (String line : status.split("\n")) {
        if (line.length() > 3) {
          String path = line.substring(3).trim();
          int slash = path.indexOf('/');
          dirs.add(slash < 0 ? path : path.substring(0, slash + 1));
        }
      }
    }
    return new SourceRevision(commit.trim(), List.copyOf(dirs));
  }

  /** {@code "commit abc1234"} or {@code "commit abc1234 with uncommitted changes in monitor/"}. */
  public String describe() {
    if (commit.equals("unknown")) {
      return "an unknown revision (not a git work tree)";
    }
    return "commit `"
        + commit
        + "`"
        + (modified.isEmpty() ? "" : " with uncommitted changes in " + String.join(", ", modified));
  }

  private static String git(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "git";
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
