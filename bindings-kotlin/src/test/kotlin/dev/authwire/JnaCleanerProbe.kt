package dev.authwire

import com.sun.jna.internal.Cleaner
import java.util.Collections
import java.util.IdentityHashMap

/**
 * Counts registrations with JNA's one global Cleaner (`com.sun.jna.internal.Cleaner`), where
 * every JNA `Memory` registers when it is made and stays until the Cleaner thread has freed it
 * after a GC (or until someone closes it). Reads the Cleaner's private list of live entries by
 * reflection, under the Cleaner's own lock.
 *
 * [snapshot] before some calls and [newSince] after them give the entries those calls left
 * for the Cleaner: the entries on the list now that were not on it before. An entry that was
 * made and cleaned in between is not seen, so a GC with a fast Cleaner thread could hide
 * some entries; it cannot invent any.
 */
object JnaCleanerProbe {
    private val cleaner: Cleaner = Cleaner.getCleaner()
    private val first = Cleaner::class.java.getDeclaredField("firstCleanable").apply { isAccessible = true }
    private val next = Class.forName("com.sun.jna.internal.Cleaner\$CleanerRef")
        .getDeclaredField("next").apply { isAccessible = true }

    /** The entries on the Cleaner's list now, by identity. */
    fun snapshot(): Set<Any> {
        val entries = Collections.newSetFromMap(IdentityHashMap<Any, Boolean>())
        synchronized(cleaner) {
            var entry = first.get(cleaner)
            while (entry != null) {
                entries.add(entry)
                entry = next.get(entry)
            }
        }
        return entries
    }

    /** How many entries are on the Cleaner's list now that were not in [before]. */
    fun newSince(before: Set<Any>): Int {
        var count = 0
        synchronized(cleaner) {
            var entry = first.get(cleaner)
            while (entry != null) {
                if (entry !in before) count++
                entry = next.get(entry)
            }
        }
        return count
    }

    /** The entries that [calls] runs of [call] leave on the Cleaner's list. */
    inline fun leftBy(calls: Int, call: () -> Unit): Int {
        val before = snapshot()
        repeat(calls) { call() }
        return newSince(before)
    }
}
