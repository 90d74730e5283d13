package io.jray.gcs;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jray.common.concurrent.EventLoop;
import io.jray.proto.ActorInfo;
import io.jray.proto.GetTasksReply;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.TaskCount;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GCS's Prometheus metrics (DESIGN §13): its RPC latencies, the cluster's nodes, jobs and actors
 * by state, the tasks it has events of by name and state, and health-check failures. The tables
 * live on {@code gcs-loop} and the task events on {@code task-events}: a scrape reads them there
 * (at most 2 s of waiting), never from its own thread.
 */
final class GcsMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(GcsMetrics.class);

  static final Histogram RPC_SECONDS = Histogram.builder().name("jray_gcs_rpc_seconds")
      .help("time GCS took to answer a call, by method").labelNames("method")
      .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30)
      .withoutExemplars().register();
  static final Counter HEALTH_CHECK_FAILURES = Counter.builder().name("jray_health_check_failures_total")
      .help("health checks of raylets that failed (a node is declared dead after gcs.health-threshold in a row)")
      .register();

  private record Tables(EventLoop loop, NodeTable nodes, JobTable jobs, ActorTable actors) {}

  private static volatile Tables tables;
  private static volatile Supplier<GetTasksReply> taskCounts = () -> null;

  static {
    byState("jray_nodes", "nodes GCS knows, by state", t -> count(t.nodes().all(), NodeInfo::getState,
        NodeInfo.State.class));
    byState("jray_jobs", "jobs GCS knows, by state", t -> count(t.jobs().all(), JobInfo::getState,
        JobInfo.State.class));
    byState("jray_actors", "actors GCS knows, by state", t -> count(t.actors().all(), ActorInfo::getState,
        ActorInfo.State.class));
    GaugeWithCallback.builder().name("jray_tasks")
        .help("tasks GCS has events of (at most gcs.task-events.max, oldest dropped first), by function and state")
        .labelNames("name", "state").callback(cb -> {
          GetTasksReply r = taskCounts.get();
          if (r != null) {
            for (TaskCount c : r.getCountsList()) {
              cb.call(c.getCount(), c.getName(), c.getState().name());
            }
          }
        }).register();
  }

  private GcsMetrics() {}

  private static void byState(String name, String help, java.util.function.Function<Tables, Map<? extends Enum<?>, Long>> read) {
    GaugeWithCallback.builder().name(name).help(help).labelNames("state").callback(cb -> {
      Map<? extends Enum<?>, Long> n = onLoop(read);
      if (n != null) {
        n.forEach((st, c) -> cb.call(c, st.name()));
      }
    }).register();
  }

  /** The gauges read these tables (on {@code loop}) and this task event store (on {@code eventsLoop}) from now on. */
  static void publish(EventLoop loop, NodeTable nodes, JobTable jobs, ActorTable actors, EventLoop eventsLoop,
      TaskEventStore events) {
    tables = new Tables(loop, nodes, jobs, actors);
    taskCounts = () -> {
      try {
        return CompletableFuture.supplyAsync(() -> events.query(List.of(), 1, false, true), eventsLoop)
            .get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("no task counts for the metrics: {}", e.toString());
        return null;
      }
    };
  }

  private static <T> T onLoop(java.util.function.Function<Tables, T> read) {
    Tables t = tables;
    if (t == null) {
      return null;
    }
    try {
      return CompletableFuture.supplyAsync(() -> read.apply(t), t.loop()).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("no table counts for the metrics: {}", e.toString());
      return null;
    }
  }

  private static <R, S extends Enum<S>> Map<S, Long> count(List<R> rows, java.util.function.Function<R, S> state,
      Class<S> states) {
    Map<S, Long> n = new EnumMap<>(states);
    for (S s : states.getEnumConstants()) {
      if (!s.name().equals("UNRECOGNIZED")) {
        n.put(s, 0L);
      }
    }
    for (R r : rows) {
      n.merge(state.apply(r), 1L, Long::sum);
    }
    return n;
  }

  /** Times every unary call of a service into {@link #RPC_SECONDS}, from its start to its close. */
  static final class Timing implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      if (call.getMethodDescriptor().getType() != io.grpc.MethodDescriptor.MethodType.UNARY) {
        return next.startCall(call, headers); // a stream's lifetime is no latency
      }
      long start = System.nanoTime();
      String method = call.getMethodDescriptor().getBareMethodName();
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          RPC_SECONDS.labelValues(method).observe((System.nanoTime() - start) / 1e9);
          super.close(status, trailers);
        }
      }, headers);
    }
  }
}
