package io.jray.it;

/** A class without {@code @Remote}: submitting its methods must fail at submit time. */
public final class NotRemoteTasks {
  private NotRemoteTasks() {}

  public static int plain(int x) {
    return x;
  }
}
