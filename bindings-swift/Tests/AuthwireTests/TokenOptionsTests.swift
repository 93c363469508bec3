// TokenOptions is a Swift struct over the core's record: its defaults are the core's, and its
// Durations reach the core in the core's units.
import AuthwireUniFFI
import XCTest

@testable import Authwire

final class TokenOptionsTests: XCTestCase {
    func testTheDefaultsAreTheCores() {
        let swift = Authwire.TokenOptions().core
        let core = AuthwireUniFFI.TokenOptions()
        XCTAssertEqual(swift.refreshFraction, core.refreshFraction)
        XCTAssertEqual(swift.refreshFloorMs, core.refreshFloorMs)
        XCTAssertEqual(swift.refreshCapMs, core.refreshCapMs)
        XCTAssertEqual(swift.refreshJitter, core.refreshJitter)
        XCTAssertEqual(swift.expirySkewMs, core.expirySkewMs)
        XCTAssertEqual(swift.defaultLifetimeSecs, core.defaultLifetimeSecs)
        XCTAssertEqual(swift.connectTimeoutMs, core.connectTimeoutMs)
        XCTAssertEqual(swift.requestTimeoutMs, core.requestTimeoutMs)
        XCTAssertEqual(swift.maxAttempts, core.maxAttempts)
        XCTAssertEqual(swift.backoffInitialMs, core.backoffInitialMs)
        XCTAssertEqual(swift.backoffMaxMs, core.backoffMaxMs)
        XCTAssertEqual(swift.retryBudgetMs, core.retryBudgetMs)
        XCTAssertEqual(swift.maxBodyBytes, core.maxBodyBytes)
        XCTAssertEqual(swift.loopMaxInvalidations, core.loopMaxInvalidations)
        XCTAssertEqual(swift.loopWindowMs, core.loopWindowMs)
        XCTAssertNil(swift.transport)
        XCTAssertNil(swift.blockingTransport)
        XCTAssertNil(swift.store)
    }

    func testDurationsBecomeWholeMillisecondsRoundedUp() {
        let options = Authwire.TokenOptions(
            refreshFloor: .microseconds(1), expirySkew: .zero, defaultLifetime: .milliseconds(1500),
            requestTimeout: .milliseconds(2500), loopWindow: .seconds(Int64.max))
        let core = options.core
        XCTAssertEqual(core.refreshFloorMs, 1)
        XCTAssertEqual(core.expirySkewMs, 0)
        XCTAssertEqual(core.defaultLifetimeSecs, 2)
        XCTAssertEqual(core.requestTimeoutMs, 2500)
        XCTAssertEqual(core.loopWindowMs, UInt64.max)
    }

    func testTheCoresNeverIsNil() {
        XCTAssertNil(fromMillisecondsOrNever(UInt64.max))
        XCTAssertEqual(fromMillisecondsOrNever(1500), .milliseconds(1500))
    }
}
