package dev.authwire

import java.security.AlgorithmParameters
import java.security.GeneralSecurityException
import java.security.PrivateKey
import java.security.Signature
import java.security.interfaces.ECKey
import java.security.interfaces.RSAKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec

/**
 * A [JwtSigner] over a JCA [PrivateKey], signing with `java.security.Signature`:
 * `SHA256withRSA` (RS256) for an RSA key, `SHA256withECDSA` (ES256) for an EC key on the
 * P-256 curve (`secp256r1`). The key never leaves its provider: this class hands it to
 * [Signature.initSign] and the JWS signing input to [Signature.update], so a key that
 * cannot be exported (a hardware-backed keystore, a PKCS#11 token) signs as well as one
 * read from a file.
 *
 * ```kotlin
 * val key = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der))
 * val tokens = TokenManager.githubApp(appId, installationId.toULong(), JcaSigner(key))
 * ```
 *
 * **Android Keystore (untested here).** This is the Android Keystore's API; this repository
 * builds and tests on the JVM only, so the following has not been run on Android. A key
 * generated in or imported into the Keystore with `KeyProperties.PURPOSE_SIGN` and
 * `KeyProperties.DIGEST_SHA256` (for RSA also `KeyProperties.SIGNATURE_PADDING_RSA_PKCS1`)
 * is used as it is:
 *
 * ```kotlin
 * val keyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
 * val key = keyStore.getKey("app-store-connect", null) as PrivateKey
 * val tokens = TokenManager.appStoreConnect(issuerId, JcaSigner(key, keyId = "2X9R4HXF34"))
 * ```
 *
 * Keystore keys implement [RSAKey] or [ECKey] (not `RSAPrivateKey`/`ECPrivateKey`), which is
 * what this class looks at. A key that requires user authentication makes [sign] fail while
 * the user has not authenticated: the token request then fails with
 * [AuthException.InvalidConfiguration] naming the JCA exception's class.
 *
 * The core calls [sign] on its own threads, once per assertion (each token request, or each
 * self-signed JWT); every call uses a new [Signature], so one signer may serve many managers.
 * For ES256, JCA's DER-encoded signature is converted to the JWS `r||s` form by the core.
 *
 * [toString] shows the algorithm and the key id, never the key: `JcaSigner(ES256, keyId=2X9R4HXF34, privateKey=[redacted])`.
 *
 * @param privateKey an RSA key (2048 bits or more, as the servers require), or an EC key on
 *   P-256. A key whose class hides its parameters (some providers' opaque keys) is accepted
 *   by its [PrivateKey.getAlgorithm], `RSA` or `EC`.
 * @param keyId the JWT header's `kid`, when the server needs one: Google (the key file's
 *   `private_key_id`), App Store Connect (the key id, required there), an OAuth server that
 *   picks the client's key by `kid`. `null` leaves `kid` out.
 * @throws AuthException.InvalidConfiguration for a key that is neither RSA nor EC P-256 (e.g.
 *   a P-384 or Ed25519 key), or an empty [keyId]. The message names the key's algorithm or
 *   curve, never key material.
 */
class JcaSigner @Throws(AuthException::class) @JvmOverloads constructor(
    privateKey: PrivateKey,
    keyId: String? = null,
) : JwtSigner {
    private val privateKey: PrivateKey = privateKey
    private val keyId: String? = keyId
    private val algorithm: JwtAlgorithm = algorithmOf(privateKey)

    /** The JCA signature algorithm: `SHA256withRSA` or `SHA256withECDSA`. */
    val signatureAlgorithm: String = when (algorithm) {
        JwtAlgorithm.RS256 -> "SHA256withRSA"
        JwtAlgorithm.ES256 -> "SHA256withECDSA"
    }

    init {
        if (keyId != null && keyId.isEmpty()) {
            throw AuthException.InvalidConfiguration("the key id is empty: pass null to leave kid out")
        }
    }

    /** [JwtAlgorithm.RS256] for an RSA key, [JwtAlgorithm.ES256] for a P-256 key. */
    override fun algorithm(): JwtAlgorithm = algorithm

    /** The `kid` given to the constructor. */
    override fun keyId(): String? = keyId

    /**
     * Signs [message] (the JWS signing input) with [signatureAlgorithm]; called by the core.
     * For ES256 the result is JCA's DER encoding, which the core converts.
     *
     * @throws SignerException.Failed when the provider refuses (e.g. a Keystore key that needs
     *   user authentication); the reason names the exception's class and message, which JCA
     *   providers do not fill with key material.
     */
    override fun sign(message: ByteArray): ByteArray = try {
        Signature.getInstance(signatureAlgorithm).run {
            initSign(privateKey)
            update(message)
            sign()
        }
    } catch (e: GeneralSecurityException) {
        throw SignerException.Failed("JCA could not sign with $signatureAlgorithm: ${e.javaClass.name}: ${e.message}")
    } catch (e: RuntimeException) {
        // ProviderException and friends, e.g. from a hardware-backed key.
        throw SignerException.Failed("JCA could not sign with $signatureAlgorithm: ${e.javaClass.name}: ${e.message}")
    }

    override fun toString(): String =
        "JcaSigner($algorithm, ${if (keyId != null) "keyId=$keyId, " else ""}privateKey=[redacted])"

    private companion object {
        /** P-256's parameters, as the default JCA provider knows them. */
        val P256: ECParameterSpec by lazy {
            AlgorithmParameters.getInstance("EC").run {
                init(ECGenParameterSpec("secp256r1"))
                getParameterSpec(ECParameterSpec::class.java)
            }
        }

        fun isP256(params: ECParameterSpec): Boolean =
            params.curve == P256.curve &&
                params.generator == P256.generator &&
                params.order == P256.order &&
                params.cofactor == P256.cofactor

        fun algorithmOf(key: PrivateKey): JwtAlgorithm {
            if (key is RSAKey) return JwtAlgorithm.RS256
            if (key is ECKey) {
                val params: ECParameterSpec? = key.params
                if (params == null || isP256(params)) return JwtAlgorithm.ES256
                throw AuthException.InvalidConfiguration(
                    "the EC key is on a ${params.curve.field.fieldSize}-bit curve (order of " +
                        "${params.order.bitLength()} bits), not P-256 (secp256r1): JWT signing supports ES256 only",
                )
            }
            return when (key.algorithm?.uppercase()) {
                "RSA" -> JwtAlgorithm.RS256
                "EC", "ECDSA" -> JwtAlgorithm.ES256
                else -> throw AuthException.InvalidConfiguration(
                    "the private key is neither an RSA key nor a P-256 EC key (its algorithm is " +
                        "${key.algorithm}, ${key.javaClass.name}): JWT signing supports RS256 and ES256",
                )
            }
        }
    }
}
