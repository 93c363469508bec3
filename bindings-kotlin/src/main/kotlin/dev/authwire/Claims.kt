package dev.authwire

/**
 * A JWT's extra claims as the JSON object text the core takes: values may be `null`, strings,
 * numbers, booleans, maps with string keys, lists, arrays and other iterables, nested.
 *
 * @throws IllegalArgumentException for another type of value (it names the claim, not the
 *   value), or a non-finite number.
 */
@JvmSynthetic
internal fun claimsJson(claims: Map<String, Any?>): String = StringBuilder().also { writeJson(it, claims, "extraClaims") }.toString()

private fun writeJson(out: StringBuilder, value: Any?, path: String) {
    when (value) {
        null -> out.append("null")
        is String -> writeString(out, value)
        is Boolean -> out.append(value)
        is Int, is Long, is Short, is Byte, is java.math.BigInteger -> out.append(value)
        is Double, is Float -> {
            val number = (value as Number).toDouble()
            require(number.isFinite()) { "$path is $value; JSON has no such number" }
            out.append(if (number == Math.floor(number) && Math.abs(number) < 1e15) number.toLong().toString() else number.toString())
        }
        is java.math.BigDecimal -> out.append(value.toPlainString())
        is Map<*, *> -> {
            out.append('{')
            var first = true
            for ((key, item) in value) {
                require(key is String) { "$path has a key that is not a String (${key?.javaClass?.name})" }
                if (!first) out.append(',')
                first = false
                writeString(out, key)
                out.append(':')
                writeJson(out, item, "$path.$key")
            }
            out.append('}')
        }
        is Array<*> -> writeJson(out, value.asList(), path)
        is Iterable<*> -> {
            out.append('[')
            value.forEachIndexed { i, item ->
                if (i > 0) out.append(',')
                writeJson(out, item, "$path[$i]")
            }
            out.append(']')
        }
        else -> throw IllegalArgumentException("$path is a ${value.javaClass.name}; a claim is null, a String, a number, a Boolean, a Map or a List")
    }
}

private fun writeString(out: StringBuilder, text: String) {
    out.append('"')
    for (c in text) {
        when {
            c == '"' -> out.append("\\\"")
            c == '\\' -> out.append("\\\\")
            c < ' ' -> out.append("\\u%04x".format(c.code))
            else -> out.append(c)
        }
    }
    out.append('"')
}
