package io.jray.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

/**
 * The address a node started with {@code --block} announces when none is given: inside a
 * container, 127.0.0.1 would reach nobody else, so it is the container's own address on its
 * network (the one its hostname resolves to, else its first non-loopback IPv4 address); outside
 * one, 127.0.0.1 as without {@code --block}.
 */
final class ContainerAddress {
  private ContainerAddress() {}

  static boolean inContainer() {
    if (Files.exists(Path.of("/.dockerenv")) || Files.exists(Path.of("/run/.containerenv"))
        || System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return true;
    }
    try {
      String cgroup = Files.readString(Path.of("/proc/1/cgroup"));
      return cgroup.contains("docker") || cgroup.contains("kubepods") || cgroup.contains("containerd");
    } catch (Exception e) {
      return false;
    }
  }

  static String defaultFor() {
    if (!inContainer()) {
      return "127.0.0.1";
    }
    try {
      InetAddress self = InetAddress.getLocalHost();
      if (self instanceof Inet4Address && !self.isLoopbackAddress()) {
        return self.getHostAddress();
      }
    } catch (Exception e) {
      // no resolvable hostname: look at the interfaces
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through
    }
    System.err.println("jray start --block: in a container but found no address other than 127.0.0.1;"
        + " give --node-ip-address");
    return "127.0.0.1";
  }
}
