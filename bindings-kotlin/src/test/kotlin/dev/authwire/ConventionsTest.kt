package dev.authwire

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.nio.file.Files
import java.nio.file.Path
import kotlin.coroutines.Continuation
import kotlin.streams.toList

/**
 * Holds the rules of docs/api/conventions.md for the JVM artifact: reflects over every public
 * class of `dev.authwire` and `dev.authwire.okhttp` (as compiled, the generated bindings
 * included) and fails on a public member that breaks them. [checkerFails] proves that each
 * check can fail, on a sample class that breaks every rule.
 */
class ConventionsTest {
    @Test
    fun `the public surface follows the conventions`() {
        val classes = publicClasses()
        assertTrue(classes.size > 40, "found only ${classes.map { it.name }}")
        val violations = violations(classes)
        assertTrue(violations.isEmpty(), violations.joinToString("\n"))
    }

    @Test
    fun `the names of the concept table exist`() {
        val facade = Class.forName("dev.authwire.Authwire")
        for (name in listOf("basicAuth", "bearerAuth", "decodeBasic", "schemeAuth", "schemeAuthParams", "pemSigner", "openConnectorsAuth")) {
            assertTrue(facade.methods.any { it.name == name && Modifier.isStatic(it.modifiers) }, "Authwire.$name")
        }
        // A file and its text are separate calls: Path for the file, String for the text.
        assertTrue(facade.methods.any { it.name == "pemSigner" && it.parameterTypes.first() == Path::class.java })
        assertTrue(facade.methods.any { it.name == "pemSigner" && it.parameterTypes.first() == String::class.java })
        assertTrue(ApiKey::class.java.methods.any { it.name == "fromFile" && it.parameterTypes.toList() == listOf(Path::class.java) && Modifier.isStatic(it.modifiers) })
        assertTrue(ApiKey::class.java.methods.none { it.name == "fromFile" && it.parameterTypes.toList() == listOf(String::class.java) })
        assertTrue(ApiKey::class.java.methods.any { it.name == "fromJson" && Modifier.isStatic(it.modifiers) })

        // Blocking vs suspending: the plain name suspends, *Blocking blocks.
        for ((cls, name) in listOf(TokenManager::class.java to "authorization", TokenManager::class.java to "token", CsrfSession::class.java to "headers", HeaderCache::class.java to "authorization")) {
            assertTrue(cls.methods.any { it.name == name && it.isSuspend() }, "${cls.simpleName}.$name suspends")
            assertTrue(cls.methods.any { it.name == name + "Blocking" && !it.isSuspend() }, "${cls.simpleName}.${name}Blocking")
        }
        // User sessions: the same rule for signing out and the sign-in flows.
        for ((cls, name) in listOf(
            TokenManager::class.java to "signOut",
            AuthorizationCodeFlow::class.java to "finish",
            DeviceAuthorizationFlow::class.java to "start",
            DeviceAuthorizationFlow::class.java to "wait",
        )) {
            assertTrue(cls.methods.any { it.name == name && it.isSuspend() }, "${cls.simpleName}.$name suspends")
            assertTrue(cls.methods.any { it.name == name + "Blocking" && !it.isSuspend() }, "${cls.simpleName}.${name}Blocking")
        }
        assertTrue(TokenManager::class.java.methods.any { it.name == "userSession" && Modifier.isStatic(it.modifiers) && SessionTokens::class.java in it.parameterTypes }, "TokenManager.userSession(…, SessionTokens, …)")
        assertTrue(KeyFileSealingKey::class.java.constructors.any { it.parameterTypes.toList() == listOf(Path::class.java) }, "new KeyFileSealingKey(Path)")
        assertTrue(SealingKey::class.java.isAssignableFrom(KeyFileSealingKey::class.java))
        for (name in listOf("invalidate", "stats", "setListener", "close")) {
            assertTrue(TokenManager::class.java.methods.any { it.name == name }, "TokenManager.$name")
        }
        // Plain data: properties of immutable classes, nothing to close.
        for ((cls, getters) in mapOf(
            AccessToken::class.java to listOf("getValue", "getAuthorization", "getExpiresIn", "getRefreshIn"),
            BasicCredentials::class.java to listOf("getUserId", "getPassword"),
            CsrfHeaders::class.java to listOf("getCsrfToken", "getCookie", "getAuthorization"),
            ApiKey::class.java to listOf("getAppClientId", "getAppClientSecret", "getEncodedKey"),
            SessionTokens::class.java to listOf("getAccessToken", "getRefreshToken", "getExpiresIn", "getScope", "getIdToken"),
        )) {
            for (getter in getters) assertTrue(cls.methods.any { it.name == getter }, "${cls.simpleName}.$getter")
            assertTrue(!AutoCloseable::class.java.isAssignableFrom(cls), "${cls.simpleName} is plain data, not a handle")
        }
        // Stores are classes: `new FileStore(path)`, `new RedisStore(url)`.
        assertTrue(FileStore::class.java.constructors.any { it.parameterTypes.toList() == listOf(Path::class.java) })
        assertTrue(RedisStore::class.java.constructors.any { it.parameterTypes.toList() == listOf(String::class.java) })
        // A JWT's extra claims are a Map.
        for (name in listOf("jwtBearer", "selfSignedJwt")) {
            assertTrue(TokenManager::class.java.methods.any { it.name == name && Modifier.isStatic(it.modifiers) && Map::class.java in it.parameterTypes }, "TokenManager.$name(extraClaims: Map)")
        }
        // A token's lifetime is a kotlin.time.Duration (a mangled JVM name), with java.time.Duration
        // forms for Java under the plain name, and never an integer count of seconds.
        for (name in listOf("staticToken", "appStoreConnect", "jwtBearer", "selfSignedJwt")) {
            val methods = TokenManager::class.java.methods.filter { Modifier.isStatic(it.modifiers) }
            assertTrue(methods.any { it.name == name && java.time.Duration::class.java in it.parameterTypes }, "TokenManager.$name(…, java.time.Duration)")
            assertTrue(methods.any { it.name.startsWith("$name-") }, "TokenManager.$name(…, kotlin.time.Duration)")
            assertTrue(methods.none { it.name == name && Long::class.javaPrimitiveType in it.parameterTypes }, "TokenManager.$name takes no long seconds")
        }
        // TokenOptions' durations are named without a unit.
        assertTrue(TokenOptions::class.java.methods.any { it.name.startsWith("getRequestTimeout") })
        assertTrue(TokenOptions::class.java.methods.none { it.name.endsWith("Ms") || it.name.endsWith("Secs") })
        // The durations of errors, events and transport requests: Kotlin Duration, java.time.Duration for Java.
        for ((cls, getter) in listOf(
            AuthException.RateLimited::class.java to "getRetryAfter",
            AuthException.RefreshLoop::class.java to "getWindow",
            AuthEvent.TokenRefreshed::class.java to "getLifetime",
            HttpRequest::class.java to "getTimeout",
            DeviceCode::class.java to "getInterval",
            DeviceCode::class.java to "getExpiresIn",
            SessionTokens::class.java to "getExpiresIn",
        )) {
            assertTrue(cls.methods.any { it.name == getter && it.returnType == java.time.Duration::class.java }, "${cls.simpleName}.$getter(): java.time.Duration")
            assertTrue(cls.methods.any { it.name.startsWith("$getter-") }, "${cls.simpleName}: a kotlin.time.Duration property")
        }
        // The error's message is the sentence.
        assertEquals(
            "invalid input: x",
            AuthException.InvalidInput("x").message,
        )
    }

    @Test
    fun checkerFails() {
        val found = violations(listOf(BadSample::class.java, BadSample.Companion::class.java, BadSampleRecord::class.java, Class.forName("dev.authwire.BadSampleKt")))
        val text = found.joinToString("\n")
        assertTrue("unsigned" in text, text)
        assertTrue("Async" in text, text)
        assertTrue("integer duration" in text, text)
        assertTrue("Companion" in text, text)
        assertTrue("mangled" in text, text)
        assertTrue("setter" in text, text)
        assertTrue("extension on a Companion" in text, text)
        assertTrue("not in the table" in text, text)
    }

    companion object {
        /** Generated plumbing that uniffi makes public; not part of the API users call. */
        private val PLUMBING = listOf("FfiConverter", "Uniffi", "uniffi", "RustBuffer", "ForeignBytes", "InternalException", "NoHandle", "Disposable", "IntegerType")

        /** Names that the conventions table replaced; none may come back. */
        private val RETIRED = setOf("displayMessage", "getDisplayMessage", "fileStore", "redisStore", "authorizationAsync", "tokenAsync", "headersAsync", "expiresInMs", "refreshInMs", "appClientId", "encodedKey", "appClientSecret")

        /** Mangled members that have a Java form (Kotlin's Duration in TokenOptions; TokenOptionsBuilder for Java). */
        private val DURATION_CLASSES = setOf("dev.authwire.TokenOptions")

        fun publicClasses(): List<Class<*>> {
            val root = Path.of(AccessToken::class.java.protectionDomain.codeSource.location.toURI())
            return Files.walk(root.resolve("dev/authwire")).use { paths ->
                paths.toList()
                    .filter { it.toString().endsWith(".class") }
                    .map { root.relativize(it).toString().removeSuffix(".class").replace('/', '.') }
                    .map { Class.forName(it, false, AccessToken::class.java.classLoader) }
                    .filter { Modifier.isPublic(it.modifiers) && !it.isSynthetic && !it.isAnonymousClass }
                    // Native*: the core's handles that patch-generated made internal.
                    .filter { cls -> (PLUMBING + "Native").none { cls.name.substringAfterLast('.').startsWith(it) } }
            }
        }

        fun Method.isSuspend(): Boolean = parameterTypes.lastOrNull() == Continuation::class.java

        /** The rules, as messages naming the member that breaks one. */
        fun violations(classes: List<Class<*>>): List<String> {
            val found = mutableListOf<String>()
            for (cls in classes) {
                val metadata = cls.getAnnotation(Metadata::class.java)
                val unsigned = metadata?.data2?.filter { it in UNSIGNED }.orEmpty()
                if (unsigned.isNotEmpty()) found += "${cls.name}: unsigned types in its Kotlin signatures: $unsigned"
                for (method in cls.declaredMethods) {
                    if (!Modifier.isPublic(method.modifiers) || method.isSynthetic || method.isBridge) continue
                    // Internal in Kotlin (public in bytecode): uniffi's own helpers and members
                    // that carry the module's name.
                    if (method.name.startsWith("uniffi") || method.name.endsWith("\$authwire")) continue
                    val where = "${cls.name}.${method.name}"
                    if ('-' in method.name && cls.name !in DURATION_CLASSES && !cls.hasJavaForm(method)) {
                        found += "$where: a mangled name (an unsigned or value-class parameter) that Java cannot call"
                    }
                    if (method.isSuspend() && method.name.endsWith("Async")) {
                        found += "$where: a suspend function named *Async (Async means Deferred)"
                    }
                    if (method.isSuspend() && method.name.endsWith("Blocking")) found += "$where: a suspend function named *Blocking"
                    if (method.name.startsWith("set") && cls.isUniffiRecord()) found += "$where: a setter on a record (records are immutable)"
                    if (method.parameterTypes.firstOrNull()?.name?.endsWith("\$Companion") == true && Modifier.isStatic(method.modifiers)) {
                        found += "$where: an extension on a Companion (Java sees TokenManagersKt.f(TokenManager.Companion, ...))"
                    }
                    if (method.name in RETIRED) found += "$where: a name not in the table (docs/api/conventions.md)"
                    val property = method.name.removePrefix("get")
                    if (method.parameterCount == 0 && (property.endsWith("Ms") || property.endsWith("Secs")) && method.returnType in INTEGERS) {
                        found += "$where: an integer duration named for its unit (use kotlin.time.Duration, java.time.Duration for Java)"
                    }
                }
                val companion = cls.declaredFields.firstOrNull { it.name == "Companion" && Modifier.isStatic(it.modifiers) }
                if (companion != null && Modifier.isPublic(companion.type.modifiers)) {
                    for (method in companion.type.declaredMethods) {
                        if (!Modifier.isPublic(method.modifiers) || method.isSynthetic || method.name.startsWith("get") || method.name == "serializer") continue
                        val static = cls.declaredMethods.any { it.name == method.name && Modifier.isStatic(it.modifiers) && it.parameterTypes.contentEquals(method.parameterTypes) }
                        if (!static && !method.name.startsWith("lift") && !method.name.startsWith("lower")) {
                            found += "${cls.name}.Companion.${method.name}: a factory only Kotlin can reach (no @JvmStatic)"
                        }
                    }
                }
            }
            return found
        }

        private val INTEGERS = setOf(Long::class.javaPrimitiveType, Int::class.javaPrimitiveType, java.lang.Long::class.java, java.lang.Integer::class.java)

        /**
         * A mangled member (a `kotlin.time.Duration` in its signature) that Java reaches another
         * way: a getter beside its `java.time.Duration` getter of the clean name
         * (`getRetryAfter-…` and `getRetryAfter`), or a data class's Kotlin-only `copy`/`componentN`.
         */
        private fun Class<*>.hasJavaForm(method: Method): Boolean {
            val base = method.name.substringBefore('-')
            return base == "copy" || base.startsWith("component") ||
                methods.any { it.name == base && it.parameterCount == method.parameterCount }
        }

        private val UNSIGNED = setOf("kotlin/ULong", "kotlin/UInt", "kotlin/UShort", "kotlin/UByte")

        private fun Class<*>.isUniffiRecord(): Boolean =
            name in setOf("dev.authwire.TokenOptions", "dev.authwire.TokenStats", "dev.authwire.HttpRequest", "dev.authwire.HttpResponse", "dev.authwire.HttpHeader", "dev.authwire.DeviceCode", "dev.authwire.BadSampleRecord")
    }
}
