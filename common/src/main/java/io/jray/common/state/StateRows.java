package io.jray.common.state;

import com.google.protobuf.ByteString;
import io.jray.proto.ActorInfo;
import io.jray.proto.Address;
import io.jray.proto.JobInfo;
import io.jray.proto.NodeInfo;
import io.jray.proto.OwnedObject;
import io.jray.proto.TaskInfo;
import io.jray.proto.TaskStateTime;
import io.jray.proto.WorkerStats;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state API's rows: each kind of cluster entity as an ordered map of field to value, the
 * shape {@code jray list --json} prints and filters apply to (by field name). One place, so the
 * CLI and a dashboard's {@code /api/} show the same fields under the same names. {@code detail}
 * adds the fields a table leaves out.
 */
public final class StateRows {
  private static final HexFormat HEX = HexFormat.of();

  private StateRows() {}

  public static String hex(ByteString b) {
    return b.isEmpty() ? "" : HEX.formatHex(b.toByteArray());
  }

  public static Map<String, Object> node(NodeInfo n) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("node_id", hex(n.getNodeId()));
    r.put("state", n.getState().name());
    r.put("host", n.getHost());
    r.put("raylet_port", n.getRayletPort());
    r.put("is_head", n.getIsHead());
    r.put("pid", n.getPid());
    r.put("resources", new java.util.TreeMap<>(n.getTotalResourcesMap()));
    r.put("start_time_ms", n.getStartTimeMs());
    r.put("death_reason", n.getDeathReason());
    return r;
  }

  public static Map<String, Object> job(JobInfo j) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("job_id", hex(j.getJobId()));
    r.put("state", j.getState().name());
    r.put("driver_host", j.getDriverHost());
    r.put("driver_pid", j.getDriverPid());
    r.put("driver_node_id", hex(j.getDriverNodeId()));
    r.put("start_time_ms", j.getStartTimeMs());
    r.put("end_time_ms", j.getEndTimeMs());
    r.put("end_reason", j.getEndReason());
    return r;
  }

  public static Map<String, Object> actor(ActorInfo a) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("actor_id", hex(a.getActorId()));
    r.put("state", a.getState().name());
    r.put("class", a.getClassName());
    r.put("name", a.getName());
    r.put("job_id", hex(a.getJobId()));
    r.put("node_id", a.hasAddress() ? hex(a.getAddress().getNodeId()) : "");
    r.put("worker_id", a.hasAddress() ? hex(a.getAddress().getWorkerId()) : "");
    r.put("pid", a.getPid());
    r.put("restarts", a.getNumRestarts());
    r.put("max_restarts", a.getMaxRestarts());
    r.put("detached", a.getDetached());
    r.put("death_cause", a.getState() == ActorInfo.State.DEAD ? a.getDeathCause().getMessage() : "");
    r.put("death_type", a.getState() == ActorInfo.State.DEAD ? a.getDeathCause().getType().name() : "");
    r.put("pending_reason", a.getPendingReason());
    r.put("owner_worker_id", hex(a.getOwner().getWorkerId()));
    r.put("start_time_ms", a.getStartTimeMs());
    r.put("end_time_ms", a.getEndTimeMs());
    return r;
  }

  public static Map<String, Object> task(TaskInfo t, boolean detail) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("task_id", hex(t.getTaskId()));
    r.put("name", t.getName());
    r.put("state", t.getState().name());
    r.put("job_id", hex(t.getJobId()));
    r.put("attempt", t.getAttempt());
    r.put("node_id", hex(t.getNodeId()));
    r.put("worker_id", hex(t.getWorkerId()));
    r.put("error_type", t.getErrorType());
    r.put("error_message", t.getErrorMessage());
    r.put("actor_call", t.getActorCall());
    r.put("start_time_ms", t.getStartTimeMs());
    r.put("end_time_ms", t.getEndTimeMs());
    if (detail) {
      r.put("parent_task_id", hex(t.getParentTaskId()));
      r.put("owner", address(t.getOwner()));
      List<Object> h = new ArrayList<>();
      for (TaskStateTime s : t.getHistoryList()) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("state", s.getState().name());
        e.put("time_ms", s.getTimeMs());
        e.put("attempt", s.getAttempt());
        h.add(e);
      }
      r.put("history", h);
    }
    return r;
  }

  /** A worker (or, state DRIVER, a driver) of the node {@code node}. */
  public static Map<String, Object> worker(WorkerStats w, NodeInfo node) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("worker_id", hex(w.getWorkerId()));
    r.put("state", w.getState());
    r.put("type", w.getState().equals("DRIVER") ? "DRIVER" : "WORKER");
    r.put("job_id", hex(w.getJobId()));
    r.put("node_id", hex(node.getNodeId()));
    r.put("host", node.getHost());
    r.put("port", w.getPort());
    r.put("pid", w.getPid());
    return r;
  }

  /** An object as its owner {@code owner} (of job {@code job}) holds it. */
  public static Map<String, Object> object(OwnedObject o, Address owner, ByteString job) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("object_id", hex(o.getObjectId()));
    r.put("state", o.getState());
    r.put("size", o.getSize());
    r.put("stored", o.getStored());
    r.put("is_put", o.getIsPut());
    r.put("job_id", hex(job));
    r.put("owner_worker_id", hex(owner.getWorkerId()));
    r.put("owner_node_id", hex(owner.getNodeId()));
    List<Object> locations = new ArrayList<>();
    o.getLocationsList().forEach(l -> locations.add(hex(l)));
    r.put("locations", locations);
    r.put("reference_kinds", new ArrayList<Object>(o.getReferenceKindsList()));
    r.put("local_refs", o.getLocalRefs());
    r.put("borrowers", o.getBorrowers());
    r.put("error_type", o.getErrorType());
    return r;
  }

  private static Map<String, Object> address(Address a) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("worker_id", hex(a.getWorkerId()));
    r.put("node_id", hex(a.getNodeId()));
    r.put("host", a.getHost());
    r.put("port", a.getPort());
    return r;
  }

  /** A row's field as text, as filters compare it (null: no such field). */
  public static String field(Map<String, Object> row, String key) {
    Object v = row.get(key);
    return v == null ? null : v.toString();
  }
}
