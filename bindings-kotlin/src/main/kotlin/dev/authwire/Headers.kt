@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

/**
 * The name of the HTTP header that every header builder's value belongs in:
 * `Authorization`.
 *
 * ```kotlin
 * request.header(AUTHORIZATION, bearerAuth(token))
 * ```
 */
const val AUTHORIZATION: String = "Authorization"
