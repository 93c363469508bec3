package dev.authwire.samples

// The Kotlin quickstart of bindings-kotlin/README.md, verbatim from the line below to the end
// of this file (ReadmeSampleTest checks both, and that it prints what its comments say).

import dev.authwire.AUTHORIZATION
import dev.authwire.AuthException
import dev.authwire.basicAuth
import dev.authwire.bearerAuth
import dev.authwire.decodeBasic
import dev.authwire.openConnectorsAuth

fun main() {
    // Every builder validates its input and returns one header value.
    val basic = basicAuth("Aladdin", "open sesame")
    println("$AUTHORIZATION: $basic") // Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
    println(bearerAuth("mF_9.B5f-4.1JqM")) // Bearer mF_9.B5f-4.1JqM
    println(openConnectorsAuth("us3r", organizationSecret = "0rg")) // User us3r, Organization 0rg

    // Decoded credentials are plain data that never prints its password.
    val credentials = decodeBasic(basic)
    println(credentials.userId) // Aladdin
    println(credentials) // BasicCredentials(userId="Aladdin", password=<redacted>)

    // Invalid input throws AuthException; its message says what is wrong, not the value.
    try {
        basicAuth("alice", "pa55\r\nX-Evil: 1")
    } catch (e: AuthException) {
        println(e.message) // invalid input: the Basic password contains a control character at position 4 ...
    }
}
