package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** A driver joins only through a node on its own machine (it maps that node's store). */
class DriverConnectionTest {
  @Test
  void loopbackAndThisMachinesInterfacesAreHereOtherAddressesAreNot() throws Exception {
    assertThat(DriverConnection.onThisMachine("127.0.0.1")).isTrue();
    assertThat(DriverConnection.onThisMachine("localhost")).isTrue();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        assertThat(DriverConnection.onThisMachine(a.getHostAddress())).as(a.toString()).isTrue();
      }
    }
    assertThat(DriverConnection.onThisMachine("192.0.2.1")).as("TEST-NET-1, never assigned").isFalse();
  }
}
