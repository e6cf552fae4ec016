import LifelineCore
import Testing

@Suite struct CardImportLineTests {
    @Test("a file with header, blank lines, CRLF, spaces and quoted fields")
    func parses() throws {
        let csv = "username,serial,algorithm,key\r\nalice, card-1 ,3des,00112233\r\n\n\"smith, bob\",\"C2\",aes128,\"ab\"\"cd\"\n"
        let lines = try CardImportLine.parseCSV(csv)
        #expect(lines == [
            CardImportLine(line: 2, username: "alice", serial: "card-1", algorithm: "3des", key: "00112233"),
            CardImportLine(line: 4, username: "smith, bob", serial: "C2", algorithm: "aes128", key: "ab\"cd"),
        ])
    }

    @Test("a missing or wrong header, no cards, wrong field counts and open quotes are refused with line numbers")
    func refusals() {
        func message(_ csv: String) -> String? {
            do { _ = try CardImportLine.parseCSV(csv); return nil } catch { return error.message }
        }
        #expect(message("")?.contains("header") == true)
        #expect(message("user,serial,algorithm,key\nalice,c1,3des,00")?.contains("line 1: the header") == true)
        #expect(message("username,serial,algorithm,key\n")?.contains("no cards") == true)
        let m = message("username,serial,algorithm,key\nalice,c1,3des\nbob,c2,aes128,00,extra\n\"carol,c3,aes128,00\n")
        #expect(m == """
            line 2: expected 4 fields (username,serial,algorithm,key), found 3
            line 3: expected 4 fields (username,serial,algorithm,key), found 5
            line 4: unbalanced quotes
            """)
    }
}
