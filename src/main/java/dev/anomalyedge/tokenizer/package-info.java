/**
 * CLIP's byte-level BPE tokenizer ({@link dev.anomalyedge.tokenizer.ClipTokenizer}), identical to AnomalyCLIP's
 * {@code simple_tokenizer.py} except that ftfy's text repairs are not applied. JDK only.
 */
package dev.anomalyedge.tokenizer;
