package dev.authwire.samples.errors

// The README's network-error sample: verbatim from the first import (ReadmeSampleTest checks
// it, and runs it against the servers of tests/scenarios/tls_servers.py).

import dev.authwire.AuthException
import dev.authwire.NetworkErrorKind
import dev.authwire.TokenManager
import dev.authwire.isRetried

/** The Authorization header, or null when the token server cannot be reached. */
fun authorizationOrNull(tokens: TokenManager): String? =
    try {
        tokens.authorizationBlocking()
    } catch (e: AuthException.Network) {
        when (e.kind) {
            // A private CA or a TLS-inspecting proxy: a set-up problem that waiting won't fix.
            NetworkErrorKind.CERTIFICATE_UNTRUSTED, NetworkErrorKind.CERTIFICATE_WRONG_NAME ->
                println("ask IT: ${e.message}") // ask IT: network error: the TLS certificate of ...
            // Refused, timed out, reset: authwire has retried already; the network may come back.
            else -> if (e.kind.isRetried) {
                println("offline (${e.kind}), try again later") // offline (CONNECTION_REFUSED), try again later
            } else {
                println("check the configuration: ${e.message}") // check the configuration: network error: no-such-host.invalid did not resolve ...
            }
        }
        null
    }
