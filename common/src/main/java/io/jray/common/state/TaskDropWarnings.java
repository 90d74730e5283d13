package io.jray.common.state;

import io.jray.proto.GetTasksReply;
import io.jray.proto.TaskDrops;
import java.util.ArrayList;
import java.util.List;

/**
 * What a task query did not see, as sentences a person can act on: tasks GCS evicted past its
 * bound, events workers dropped, tasks not recorded past the rate. One wording for the CLI's
 * stderr warnings and the dashboard's, so neither shows a partial answer silently.
 */
public final class TaskDropWarnings {
  private TaskDropWarnings() {}

  public static List<String> of(GetTasksReply r) {
    List<String> out = new ArrayList<>();
    for (TaskDrops d : r.getDropsList()) {
      String job = StateRows.hex(d.getJobId());
      if (d.getEvicted() > 0) {
        out.add("GCS dropped the oldest " + d.getEvicted() + " tasks of job " + job + " (it keeps " + r.getCapacity()
            + " tasks: gcs.task-events.max)");
      }
      if (d.getDroppedAtSource() > 0) {
        out.add(d.getDroppedAtSource() + " task events of job " + job + " were dropped by workers whose buffer was"
            + " full or could not reach GCS (task-events.buffer)");
      }
      if (d.getTasksNotRecorded() > 0) {
        out.add(d.getTasksNotRecorded() + " tasks of job " + job + " were not recorded: a process records at most"
            + " task-events.max-rate tasks a second (their failures are still recorded)");
      }
    }
    return out;
  }
}
