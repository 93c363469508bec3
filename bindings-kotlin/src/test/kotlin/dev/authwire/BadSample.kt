package dev.authwire

// ConventionsTest.checkerFails: a class that breaks every rule, so that each check is seen to fail.

/** Breaks the rules on purpose. */
class BadSample {
    /** An unsigned type, and so a mangled name. */
    fun timeout(): ULong = 1uL

    /** A suspend function named *Async. */
    suspend fun fetchAsync(): String = "x"

    /** An integer duration named for its unit. */
    val retryAfterMs: Long = 0L

    /** A name the table retired. */
    fun displayMessage(): String = "x"

    companion object {
        /** A factory only Kotlin can reach. */
        fun create(): BadSample = BadSample()
    }
}

/** A mutable record. */
data class BadSampleRecord(var value: Int)

/** An extension on a Companion. */
fun BadSample.Companion.make(): BadSample = BadSample()
