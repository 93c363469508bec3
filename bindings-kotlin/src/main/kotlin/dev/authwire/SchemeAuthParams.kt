@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

/**
 * Builds `<scheme> name1="value1", name2="value2"`: an `Authorization` value of RFC 9110
 * auth-params, from `name to value` pairs, so that nobody quotes and escapes `Token token="…"`
 * by hand.
 *
 * ```kotlin
 * schemeAuthParams("Token", "token" to apiToken)            // Token token="..."
 * schemeAuthParams("Token", "token" to "a\"b\\c d", "realm" to "") // Token token="a\"b\\c d", realm=""
 * ```
 *
 * Every value is put in double quotes, with `"` and `\` inside it escaped as `\"` and `\\`
 * (RFC 9110 §5.6.4); spaces are kept. The parameters appear in the order given, and a name
 * given twice appears twice. For a single token68 value (`Token abc`, `SSWS 00Q!x`) use
 * [schemeAuth]; for Bearer, [bearerAuth].
 *
 * @param scheme the authentication scheme, an RFC 9110 `token` such as `Token` or `Digest`.
 * @param params the parameters, at least one. A name must be an RFC 9110 `token` (letters,
 *   digits and ``!#$%&'*+-.^_`|~``). A value may be empty and may hold any printable ASCII,
 *   spaces and tabs.
 * @return the whole header value, for the `Authorization` header ([AUTHORIZATION]).
 * @throws AuthException.InvalidInput when [params] is empty, the scheme or a name is not a
 *   token, or a value contains CR, LF, another control character, DEL or a non-ASCII
 *   character (they would break or inject headers). The message names the parameter's
 *   position and the byte, never the value.
 */
@Throws(AuthException::class)
fun schemeAuthParams(scheme: String, vararg params: Pair<String, String>): String =
    schemeAuthParams(scheme, params.asList())

/**
 * Builds `<scheme> name1="value1", name2="value2"` from a list of `name to value` pairs, in
 * the list's order: the same as the `vararg` overload of [schemeAuthParams], for parameters
 * put together at run time.
 *
 * ```kotlin
 * val params = buildList {
 *     add("username" to user)
 *     if (realm != null) add("realm" to realm)
 * }
 * connection.setRequestProperty(AUTHORIZATION, schemeAuthParams("Custom", params))
 * ```
 *
 * @throws AuthException.InvalidInput as the `vararg` overload; the message never contains a
 *   value.
 */
@Throws(AuthException::class)
fun schemeAuthParams(scheme: String, params: List<Pair<String, String>>): String =
    // Two lists across the FFI: no generated record type holds (and could print) a value.
    schemeAuthParamLists(scheme, params.map { it.first }, params.map { it.second })

/**
 * Builds `<scheme> name1="value1", name2="value2"` from a map of names to values, in the map's
 * iteration order (insertion order for `mapOf` and [LinkedHashMap]): the same as the `vararg`
 * overload of [schemeAuthParams].
 *
 * ```kotlin
 * schemeAuthParams("Token", mapOf("token" to apiToken, "realm" to "api")) // Token token="...", realm="api"
 * ```
 *
 * @throws AuthException.InvalidInput as the `vararg` overload; the message never contains a
 *   value.
 */
@Throws(AuthException::class)
fun schemeAuthParams(scheme: String, params: Map<String, String>): String =
    schemeAuthParams(scheme, params.entries.map { it.key to it.value })
