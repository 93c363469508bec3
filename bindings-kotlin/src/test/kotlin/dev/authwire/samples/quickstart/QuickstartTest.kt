package dev.authwire.samples.quickstart

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import java.io.ByteArrayOutputStream
import java.io.PrintStream

/**
 * Runs Quickstart.kt's main against `authwire demo --serve` on 127.0.0.1:8765, and checks that
 * it prints what its comments say. Skipped unless AUTHWIRE_DEMO_SERVE is set: tests/run-all
 * starts the demo server in its "README samples" step and runs this test there.
 */
class QuickstartTest {
    @Test
    fun `the quickstart runs against demo --serve and prints what its comments say`() {
        assumeTrue(System.getenv("AUTHWIRE_DEMO_SERVE") != null, "needs authwire demo --serve (tests/run-all)")
        val printed = ByteArrayOutputStream()
        val stdout = System.out
        System.setOut(PrintStream(printed, true, Charsets.UTF_8))
        try {
            main()
        } finally {
            System.setOut(stdout)
        }
        print(printed.toString(Charsets.UTF_8))
        assertEquals(listOf("Bearer", "200", "1"), printed.toString(Charsets.UTF_8).trim().lines())
    }
}
