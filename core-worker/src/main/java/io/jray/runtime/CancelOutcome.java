package io.jray.runtime;

import io.jray.proto.CancelTaskReply;

/** What {@code JRay.cancel} did to a task at its owner (the owner's log line and the CancelTask reply). */
enum CancelOutcome {
  /** The task had finished (or the owner does not know it): nothing changed. */
  FINISHED(CancelTaskReply.Outcome.FINISHED),
  /** It had not started: it was taken out of its queue or its argument wait, and never runs. */
  REMOVED(CancelTaskReply.Outcome.REMOVED),
  /** It was pushed to a worker, which was told to skip or interrupt it (or to exit, with force). */
  SENT_TO_WORKER(CancelTaskReply.Outcome.SENT_TO_WORKER),
  /** Its worker had just answered (or died), not yet applied here: that is dropped, the task ends cancelled. */
  RESULT_DROPPED(CancelTaskReply.Outcome.RESULT_DROPPED);

  final CancelTaskReply.Outcome wire;

  CancelOutcome(CancelTaskReply.Outcome wire) {
    this.wire = wire;
  }

  static CancelOutcome of(CancelTaskReply.Outcome wire) {
    for (CancelOutcome o : values()) {
      if (o.wire == wire) {
        return o;
      }
    }
    return FINISHED; // an outcome added by a newer owner: nothing this process can tell apart
  }
}
