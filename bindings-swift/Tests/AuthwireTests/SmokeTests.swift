import XCTest
import Authwire
final class SmokeTests: XCTestCase {
    func testBasic() throws {
        XCTAssertEqual(try basicAuth(userId: "Aladdin", password: "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    }
}
