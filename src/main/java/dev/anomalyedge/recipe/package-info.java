/**
 * Recipes: one per part type — good reference images, the few-shot memory bank for the active model, an optional region
 * of interest and tiling, and a calibrated threshold.
 */
package dev.anomalyedge.recipe;
