package dev.authwire

import java.nio.file.Path

/**
 * Reads an XTD API key from a downloaded key file at [path].
 *
 * The same as `ApiKey.fromFile(path.toString())`: the file is read by the core, as UTF-8 JSON
 * with the fields `appClientId`, `appClientSecret` and `encodedKey`.
 *
 * The returned key holds native memory: call [ApiKey.close] (or use `use { }`) when done;
 * otherwise it is freed when garbage-collected. Printing it shows the client id and
 * `[redacted]` for the secrets.
 *
 * @throws AuthException.InvalidConfiguration when the file cannot be read or is not a valid
 *   key file. The message names the field that is wrong, never its value.
 */
@Throws(AuthException::class)
fun ApiKey.Companion.fromFile(path: Path): ApiKey = ApiKey.fromFile(path.toString())
