/**
 * Small helpers every layer may use and that use nothing of the project: content digests, file-tree deletion, error
 * chains. Nothing here knows about models, images or the appliance.
 */
package dev.anomalyedge.util;
