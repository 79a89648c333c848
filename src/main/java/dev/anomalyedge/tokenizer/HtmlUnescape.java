package dev.anomalyedge.tokenizer;

import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}, as CLIP's {@code basic_clean} uses it.
 *
 * <p>Numeric references follow Python exactly (the Windows-1252 remapping of 0x80–0x9F, U+FFFD for NUL, surrogates
 * and values above U+10FFFF, removal of the code points HTML forbids). Named references are limited to the
 * common ones ({@code amp lt gt quot apos nbsp}, plus the upper-case forms HTML5 defines for the first four);
 * any other named reference is left as written, where Python would replace it from its 2231-entry HTML5 table.
 */
final class HtmlUnescape {
    private HtmlUnescape() {}

    private static final Pattern CHARREF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** Names with their trailing ';' where HTML5 requires it; the legacy ones also appear without it. */
    private static final Map<String, String> NAMED = Map.ofEntries(
            Map.entry("amp;", "&"), Map.entry("amp", "&"), Map.entry("AMP;", "&"), Map.entry("AMP", "&"),
            Map.entry("lt;", "<"), Map.entry("lt", "<"), Map.entry("LT;", "<"), Map.entry("LT", "<"),
            Map.entry("gt;", ">"), Map.entry("gt", ">"), Map.entry("GT;", ">"), Map.entry("GT", ">"),
            Map.entry("quot;", "\""), Map.entry("quot", "\""), Map.entry("QUOT;", "\""), Map.entry("QUOT", "\""),
            Map.entry("apos;", "'"),
            Map.entry("nbsp;", "\u00a0"), Map.entry("nbsp", "\u00a0"));

    /** Python's {@code html._invalid_charrefs}: numbers remapped to another character. */
    private static final Map<Integer, String> REMAPPED = Map.ofEntries(
            Map.entry(0x00, "\ufffd"), Map.entry(0x0d, "\r"), Map.entry(0x80, "\u20ac"), Map.entry(0x81, "\u0081"),
            Map.entry(0x82, "\u201a"), Map.entry(0x83, "\u0192"), Map.entry(0x84, "\u201e"), Map.entry(0x85, "\u2026"),
            Map.entry(0x86, "\u2020"), Map.entry(0x87, "\u2021"), Map.entry(0x88, "\u02c6"), Map.entry(0x89, "\u2030"),
            Map.entry(0x8a, "\u0160"), Map.entry(0x8b, "\u2039"), Map.entry(0x8c, "\u0152"), Map.entry(0x8d, "\u008d"),
            Map.entry(0x8e, "\u017d"), Map.entry(0x8f, "\u008f"), Map.entry(0x90, "\u0090"), Map.entry(0x91, "\u2018"),
            Map.entry(0x92, "\u2019"), Map.entry(0x93, "\u201c"), Map.entry(0x94, "\u201d"), Map.entry(0x95, "\u2022"),
            Map.entry(0x96, "\u2013"), Map.entry(0x97, "\u2014"), Map.entry(0x98, "\u02dc"), Map.entry(0x99, "\u2122"),
            Map.entry(0x9a, "\u0161"), Map.entry(0x9b, "\u203a"), Map.entry(0x9c, "\u0153"), Map.entry(0x9d, "\u009d"),
            Map.entry(0x9e, "\u017e"), Map.entry(0x9f, "\u0178"));

    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            BigInteger big = new BigInteger(digits, hex ? 16 : 10);
            if (big.compareTo(BigInteger.valueOf(0x10FFFF)) > 0) return "\ufffd";
            int num = big.intValue();
            String remapped = REMAPPED.get(num);
            if (remapped != null) return remapped;
            if (num >= 0xD800 && num <= 0xDFFF) return "\ufffd";
            if (isInvalidCodePoint(num)) return "";
            return new String(Character.toChars(num));
        }
        String hit = NAMED.get(ref);
        if (hit != null) return hit;
        for (int x = ref.length() - 1; x > 1; x--) { // longest known prefix
            String prefixHit = NAMED.get(ref.substring(0, x));
            if (prefixHit != null) return prefixHit + ref.substring(x);
        }
        return "&" + ref;
    }

    /** Python's {@code html._invalid_codepoints}. */
    private static boolean isInvalidCodePoint(int cp) {
        return (cp >= 0x1 && cp <= 0x8) || cp == 0xb || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)
                || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
    }
}
