package dev.authwire.samples

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path

/**
 * The README's Kotlin quickstart is [ReadmeSample.kt][main], verbatim, and prints what its
 * comments say. A comment ending in " ..." gives the start of the line.
 */
class ReadmeSampleTest {
    private val moduleDir: Path = Path.of(
        System.getProperty("authwire.moduleDir")
            ?: error("system property authwire.moduleDir is not set; run the tests with Maven (see pom.xml)"),
    )

    private val sample: String by lazy {
        val source = Files.readString(moduleDir.resolve("src/test/kotlin/dev/authwire/samples/ReadmeSample.kt"))
        source.substring(source.indexOf("\nimport ") + 1).trimEnd()
    }

    @Test
    fun `the README quickstart is the sample, verbatim`() {
        val readme = Files.readString(moduleDir.resolve("README.md"))
        // The quickstart is the first Kotlin block that starts with an import.
        val block = Regex("```kotlin\\n(import .*?)```", RegexOption.DOT_MATCHES_ALL).find(readme)
            ?.groupValues?.get(1)?.trimEnd()
            ?: error("README.md has no ```kotlin block starting with an import")
        assertEquals(sample, block, "README.md's Kotlin quickstart differs from ReadmeSample.kt")
    }

    @Test
    fun `the sample prints what its comments say`() {
        val expected = sample.lines().mapNotNull { PRINTED.find(it)?.groupValues?.get(1) }
        assertTrue(expected.size >= 6, "too few commented println lines: $expected")

        val printed = captureStdout { main() }.lines().dropLastWhile { it.isEmpty() }
        assertEquals(expected.size, printed.size, "printed:\n${printed.joinToString("\n")}")
        for ((want, got) in expected.zip(printed)) {
            if (want.endsWith(" ...")) {
                assertTrue(got.startsWith(want.removeSuffix(" ...")), "expected '$want', printed '$got'")
            } else {
                assertEquals(want, got)
            }
        }
    }

    private companion object {
        val PRINTED = Regex("""^\s*println\(.*\) // (.*)$""")

        fun captureStdout(body: () -> Unit): String {
            val original = System.out
            val buffer = ByteArrayOutputStream()
            System.setOut(PrintStream(buffer, true, Charsets.UTF_8))
            try {
                body()
            } finally {
                System.setOut(original)
            }
            return buffer.toString(Charsets.UTF_8)
        }
    }
}
