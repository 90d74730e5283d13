package io.jray.api.exception;

/**
 * The actor is dead and will not come back: its constructor threw, it was killed, or it used up {@code maxRestarts}. Raised by every call to it, pending or later; the cause, when known, is the failure that killed it (for example the constructor's exception).
 */
public class ActorDiedException extends JRayException {
    private static final long serialVersionUID = 1L;

    public ActorDiedException(String message) {
        super(message);
    }

    public ActorDiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
