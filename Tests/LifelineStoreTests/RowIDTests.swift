import Foundation
@testable import LifelineStore
import Testing

/// The store's id text form (`Row.id`, `Row.parseID`) against Foundation's UUID formatting and parsing.
@Suite("Row ids")
struct RowIDTests {
    @Test("1,000 random ids format as Foundation's lowercased uuidString and parse back, from either case")
    func matchesFoundation() {
        for _ in 0..<1000 {
            let u = UUID()
            #expect(Row.id(u) == u.uuidString.lowercased())
            #expect(Row.parseID(Row.id(u)) == u)
            #expect(Row.parseID(u.uuidString) == u)
        }
        let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        #expect(Row.id(zero) == "00000000-0000-0000-0000-000000000000")
        let ff = UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
        #expect(Row.id(ff) == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test("malformed ids are refused, as Foundation refuses them", arguments: [
        "", "not-a-uuid", "0123456789abcdef0123456789abcdef0123",        // 36 characters, no dashes
        "01234567-89ab-cdef-0123-456789abcdeg",                          // a non-hex digit
        "01234567-89ab-cdef-0123-456789abcde",                           // one short
        "01234567-89ab-cdef-0123-456789abcdef0",                         // one long
        "01234567+89ab-cdef-0123-456789abcdef",                          // wrong separator
        "0123456-789ab-cdef-0123-456789abcdef",                          // dash in the wrong place
        "01234567-89ab-cdef-0123-456789abcdé",                           // non-ASCII
    ])
    func refusesMalformed(_ text: String) {
        #expect(Row.parseID(text) == nil)
        #expect(UUID(uuidString: text) == nil)
    }
}
