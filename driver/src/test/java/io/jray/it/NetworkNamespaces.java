package io.jray.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Separate network addresses on one machine, for partition tests (iproute2, as root): a bridge on
 * the host with {@value #HOST_IP}/24, where GCS, the head raylet and the test's driver are reached,
 * and per node a network namespace joined to the bridge by a veth pair, with an address
 * {@code 10.213.0.N} of its own. A raylet started under {@link Namespace#wrapper()} ({@code ip netns
 * exec}) and the workers it starts live in that namespace, so {@link Namespace#cut()} (the host end
 * of its link down) partitions that node from everything else without stopping a process.
 *
 * <p>Only names under {@value #PREFIX} are ever touched: made here, removed by {@link #close()}
 * (heal first, so stopping processes can still say goodbye), and any left by an earlier run that
 * was killed are removed when the next one starts. The test's own thread uses it; {@link #close()}
 * may also run from the shutdown hook.
 */
final class NetworkNamespaces implements AutoCloseable {
  static final String PREFIX = "jrayp-";
  static final String HOST_IP = "10.213.0.1";
  private static final String SUBNET = "10.213.0.0/24";
  private static final String BRIDGE = PREFIX + "br";

  private final List<Namespace> made = new ArrayList<>();
  /** Removes what is left should this JVM be stopped before {@link #close()} (a build timeout). */
  private final Thread onExit = new Thread(this::close, "netns-cleanup");
  private int next = 2;

  /** One node's namespace: its name, address and the host end of its link. */
  static final class Namespace {
    final String name;
    final String ip;
    final String hostLink;

    private Namespace(int n) {
      this.name = PREFIX + "n" + n;
      this.ip = "10.213.0." + n;
      this.hostLink = PREFIX + "h" + n;
    }

    /** The command that runs the rest of its line inside this namespace (it execs: the pid stays). */
    List<String> wrapper() {
      return List.of("ip", "netns", "exec", name);
    }

    /** The link goes down: nothing reaches this node, nothing leaves it; its processes run on. */
    void cut() {
      ip("link", "set", hostLink, "down");
    }

    /** The link comes back up. */
    void heal() {
      ip("link", "set", hostLink, "up");
    }

    @Override
    public String toString() {
      return name + " (" + ip + ")";
    }
  }

  private NetworkNamespaces() {}

  /** Removes what an earlier run left, then makes the bridge. Fails, naming the cause, unless root with iproute2. */
  static NetworkNamespaces create() {
    removeStale();
    String route = run(List.of("ip", "-o", "route", "show", SUBNET), true);
    if (!route.isBlank()) {
      throw new IllegalStateException("the partition tests need " + SUBNET + " for themselves, but this machine"
          + " routes it already: " + route.trim());
    }
    NetworkNamespaces n = new NetworkNamespaces();
    Runtime.getRuntime().addShutdownHook(n.onExit);
    try {
      ip("link", "add", BRIDGE, "type", "bridge");
      ip("addr", "add", HOST_IP + "/24", "dev", BRIDGE);
      ip("link", "set", BRIDGE, "up");
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  /** A new namespace with its link up and its address on it. */
  Namespace add() {
    Namespace ns = new Namespace(next++);
    made.add(ns);
    String inside = PREFIX + "v" + ns.name.substring((PREFIX + "n").length());
    ip("netns", "add", ns.name);
    ip("link", "add", ns.hostLink, "type", "veth", "peer", "name", inside);
    ip("link", "set", inside, "netns", ns.name);
    ip("link", "set", ns.hostLink, "master", BRIDGE);
    ip("link", "set", ns.hostLink, "up");
    ip("netns", "exec", ns.name, "ip", "link", "set", "lo", "up");
    ip("netns", "exec", ns.name, "ip", "addr", "add", ns.ip + "/24", "dev", inside);
    ip("netns", "exec", ns.name, "ip", "link", "set", inside, "up");
    return ns;
  }

  /** Every link up again (a test that failed mid-cut leaves its node reachable for the stop). */
  void healAll() {
    for (Namespace ns : made) {
      run(List.of("ip", "link", "set", ns.hostLink, "up"), true);
    }
  }

  /** Removes every namespace, link and the bridge made here; what is already gone is no error. */
  @Override
  public synchronized void close() {
    if (Thread.currentThread() != onExit) {
      try {
        Runtime.getRuntime().removeShutdownHook(onExit);
      } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrRemoved) {
        // then the hook is what runs now, or already ran
      }
    }
    for (Namespace ns : made) {
      run(List.of("ip", "link", "del", ns.hostLink), true);
      run(List.of("ip", "netns", "del", ns.name), true);
    }
    made.clear();
    run(List.of("ip", "link", "del", BRIDGE), true);
  }

  /** Namespaces and links under the prefix that a killed run left behind. */
  private static void removeStale() {
    for (String line : run(List.of("ip", "-o", "netns", "list"), false).split("\n")) {
      String name = line.trim().split("\\s+")[0];
      if (name.startsWith(PREFIX)) {
        run(List.of("ip", "netns", "del", name), true);
      }
    }
    for (String line : run(List.of("ip", "-o", "link", "show"), false).split("\n")) {
      String[] f = line.split(":\\s+");
      if (f.length > 1) {
        String name = f[1].split("[@:]")[0];
        if (name.startsWith(PREFIX)) {
          run(List.of("ip", "link", "del", name), true);
        }
      }
    }
  }

  private static void ip(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    run(cmd, false);
  }

  /** Runs a command; its output, or (unless {@code mayFail}) an exception naming it and what it said. */
  private static String run(List<String> cmd, boolean mayFail) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 30 s");
      }
      if (p.exitValue() != 0 && !mayFail) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed with exit code " + p.exitValue() + ": "
            + out.trim() + " (the partition tests need root and iproute2)");
      }
      return p.exitValue() == 0 ? out : "";
    } catch (IOException e) {
      if (mayFail) {
        return "";
      }
      throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage()
          + " (the partition tests need iproute2)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
    }
  }
}
