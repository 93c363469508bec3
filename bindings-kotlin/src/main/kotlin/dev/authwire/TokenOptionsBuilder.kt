package dev.authwire

import kotlin.time.toKotlinDuration

/**
 * [TokenOptions] for Java callers, with `java.time.Duration`s (Kotlin's `Duration` is a value
 * class that Java cannot pass): start from [TokenOptions.builder], set what differs from the
 * defaults, then [build].
 *
 * ```java
 * TokenOptions options = TokenOptions.builder()
 *         .transport(new OkHttpTransport(client))
 *         .requestTimeout(Duration.ofSeconds(10))
 *         .build();
 * ```
 *
 * Kotlin callers use the constructor's named arguments instead:
 * `TokenOptions(transport = OkHttpTransport(client), requestTimeout = 10.seconds)`. A negative
 * duration or count throws [IllegalArgumentException] at once, naming the option.
 */
class TokenOptionsBuilder internal constructor() {
    private var options = TokenOptions()

    /** [TokenOptions.refreshFraction]. */
    fun refreshFraction(value: Double) = apply { options = options.copy(refreshFraction = value) }

    /** [TokenOptions.refreshFloor]. */
    fun refreshFloor(value: java.time.Duration) = apply { options = options.copy(refreshFloor = kotlin(value, "refreshFloor")) }

    /** [TokenOptions.refreshCap]. */
    fun refreshCap(value: java.time.Duration) = apply { options = options.copy(refreshCap = kotlin(value, "refreshCap")) }

    /** [TokenOptions.refreshJitter]. */
    fun refreshJitter(value: Double) = apply { options = options.copy(refreshJitter = value) }

    /** [TokenOptions.expirySkew]. */
    fun expirySkew(value: java.time.Duration) = apply { options = options.copy(expirySkew = kotlin(value, "expirySkew")) }

    /** [TokenOptions.defaultLifetime]. */
    fun defaultLifetime(value: java.time.Duration) = apply { options = options.copy(defaultLifetime = kotlin(value, "defaultLifetime")) }

    /** [TokenOptions.connectTimeout]. */
    fun connectTimeout(value: java.time.Duration) = apply { options = options.copy(connectTimeout = kotlin(value, "connectTimeout")) }

    /** [TokenOptions.requestTimeout]. */
    fun requestTimeout(value: java.time.Duration) = apply { options = options.copy(requestTimeout = kotlin(value, "requestTimeout")) }

    /** [TokenOptions.maxAttempts]. */
    fun maxAttempts(value: Int) = apply { options = options.copy(maxAttempts = count(value, "maxAttempts")) }

    /** [TokenOptions.backoffInitial]. */
    fun backoffInitial(value: java.time.Duration) = apply { options = options.copy(backoffInitial = kotlin(value, "backoffInitial")) }

    /** [TokenOptions.backoffMax]. */
    fun backoffMax(value: java.time.Duration) = apply { options = options.copy(backoffMax = kotlin(value, "backoffMax")) }

    /** [TokenOptions.retryBudget]. */
    fun retryBudget(value: java.time.Duration) = apply { options = options.copy(retryBudget = kotlin(value, "retryBudget")) }

    /** [TokenOptions.maxBodyBytes]. */
    fun maxBodyBytes(value: Long) = apply {
        require(value >= 0) { "maxBodyBytes is negative ($value); it must be 0 or more" }
        options = options.copy(maxBodyBytes = value)
    }

    /** [TokenOptions.loopMaxInvalidations]. */
    fun loopMaxInvalidations(value: Int) = apply { options = options.copy(loopMaxInvalidations = count(value, "loopMaxInvalidations")) }

    /** [TokenOptions.loopWindow]. */
    fun loopWindow(value: java.time.Duration) = apply { options = options.copy(loopWindow = kotlin(value, "loopWindow")) }

    /** [TokenOptions.transport]: the app's HTTP stack for token requests, e.g. `new OkHttpTransport(client)`. */
    fun transport(value: HttpTransport?) = apply { options = options.copy(transport = value) }

    /** [TokenOptions.store]: a [FileStore], a [RedisStore] or your own [TokenStore]. */
    fun store(value: TokenStore?) = apply { options = options.copy(store = value) }

    /** The options. The builder can go on to build others. */
    fun build(): TokenOptions = options

    private fun kotlin(value: java.time.Duration, name: String): kotlin.time.Duration {
        require(!value.isNegative) { "$name is negative ($value); it must be zero or more" }
        return value.toKotlinDuration()
    }

    private fun count(value: Int, name: String): Int {
        require(value >= 0) { "$name is negative ($value); it must be 0 or more" }
        return value
    }

    /** The options built so far (no option holds a secret). */
    override fun toString(): String = "TokenOptionsBuilder($options)"
}
