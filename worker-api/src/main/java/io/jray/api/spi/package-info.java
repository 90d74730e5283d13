/**
 * Internal service-provider interfaces connecting the public API to the runtime in
 * {@code jray-core-worker}. Not for application code; may change without notice.
 */
package io.jray.api.spi;
