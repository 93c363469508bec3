package dev.authwire.bench

import dev.authwire.JcaSigner
import dev.authwire.JwtSigner
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.pemSigner
import java.math.BigInteger
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.interfaces.ECPrivateKey
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.util.Base64

/**
 * The signing cost per JWT assertion, RS256 (RSA-2048) and ES256 (P-256), of [JcaSigner]
 * (`java.security.Signature`, the JDK's provider) and of the core's built-in [pemSigner]
 * (ring), over the same key. Not a test: run it with
 *
 *     mvn -f bindings-kotlin -Dauthwire.generate.skip=true test-compile exec:exec@bench-signing
 *
 * Two cases per signer:
 * - `sign()` called from Kotlin with a JWS signing input of the usual size: JcaSigner is plain
 *   JCA; pemSigner is one call into the core (uniffi, JNA) and ring;
 * - one whole assertion as a token manager makes it: a `selfSignedJwt` manager whose token is
 *   invalidated before each `authorization()`, so the core builds the claims, signs (for
 *   JcaSigner: a callback from the core into the JVM) and encodes the JWT; no network.
 *
 * System property `authwire.bench.seconds` (measured time per case, default 2). Each case runs
 * once to warm up, then again measured.
 */
fun main() {
    val seconds = System.getProperty("authwire.bench.seconds")?.toDouble() ?: 2.0
    println(
        "authwire signing benchmark: ${"%.1f".format(seconds)} s per case, ${Runtime.getRuntime().availableProcessors()} cores, " +
            "${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}",
    )
    val rsa = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair()
    val ec = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    val signers = listOf(
        "RS256 JcaSigner" to JcaSigner(rsa.private, "k"),
        "RS256 pemSigner" to pemSigner(pem("PRIVATE KEY", rsa.private.encoded), "k"),
        "ES256 JcaSigner" to JcaSigner(ec.private, "k"),
        // ring needs the public key in the key: JCA's PKCS#8 leaves it out, SEC1 has it.
        "ES256 pemSigner" to pemSigner(pem("EC PRIVATE KEY", sec1(ec)), "k"),
    )
    // A JWS signing input of the usual size: base64url(header) "." base64url(claims).
    val input = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsiLCJ0eXAiOiJKV1QifQ." + "e".repeat(300)).toByteArray()
    println("%-18s %-38s %12s %12s".format("signer", "case", "per call", "calls/s"))
    for ((name, signer) in signers) {
        measure(name, "sign(input) from Kotlin", seconds) { signer.sign(input) }
    }
    for ((name, signer) in signers) {
        // Invalidating thousands of tokens a minute is what the refresh-loop guard refuses.
        val options = TokenOptions(loopMaxInvalidations = 1_000_000)
        TokenManager.selfSignedJwt(signer, "bench@example.com", "https://example.com/", options = options).use { tokens ->
            var header = tokens.authorizationBlocking()
            measure(name, "assertion: invalidate + authorization()", seconds) {
                tokens.invalidate(header)
                header = tokens.authorizationBlocking()
            }
        }
    }
    System.exit(0)
}

private fun measure(name: String, case: String, seconds: Double, call: () -> Unit) {
    fun run(budgetNanos: Long): Pair<Long, Long> {
        var calls = 0L
        val start = System.nanoTime()
        var elapsed: Long
        do {
            repeat(10) { call() }
            calls += 10
            elapsed = System.nanoTime() - start
        } while (elapsed < budgetNanos)
        return calls to elapsed
    }
    run((seconds * 0.5e9).toLong())
    val (calls, elapsed) = run((seconds * 1e9).toLong())
    val perCall = elapsed.toDouble() / calls
    println("%-18s %-38s %9.1f µs %12.0f".format(name, case, perCall / 1000, 1e9 / perCall))
}

private fun pem(type: String, der: ByteArray): String =
    "-----BEGIN $type-----\n" + Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(der) + "\n-----END $type-----\n"

/** The SEC1 `ECPrivateKey` of a P-256 key pair, with its public key (RFC 5915). */
private fun sec1(pair: KeyPair): ByteArray {
    fun fixed(n: BigInteger): ByteArray = n.toByteArray().let { b ->
        if (b.size >= 32) b.copyOfRange(b.size - 32, b.size) else ByteArray(32 - b.size) + b
    }
    val d = fixed((pair.private as ECPrivateKey).s)
    val w = (pair.public as ECPublicKey).w
    val point = byteArrayOf(4) + fixed(w.affineX) + fixed(w.affineY)
    val prime256v1 = byteArrayOf(0x06, 0x08, 0x2a, 0x86.toByte(), 0x48, 0xce.toByte(), 0x3d, 0x03, 0x01, 0x07)
    val body = byteArrayOf(0x02, 0x01, 0x01, 0x04, 0x20) + d +
        byteArrayOf(0xa0.toByte(), 0x0a) + prime256v1 +
        byteArrayOf(0xa1.toByte(), 0x44, 0x03, 0x42, 0x00) + point
    return byteArrayOf(0x30, body.size.toByte()) + body
}
