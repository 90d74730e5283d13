/**
 * The unchecked exceptions JRay raises, all under {@link io.jray.api.exception.JRayException}.
 */
package io.jray.api.exception;
