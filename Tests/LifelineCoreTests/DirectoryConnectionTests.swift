import Foundation
import LifelineCore
import Testing

/// The operator's directory connections and the limits a tenant's `directory.ldap` must stay within.
@Suite("Directory connections")
struct DirectoryConnectionTests {
    static let corp = DirectoryConnection(url: "ldaps://dc1.corp.example", bindDN: "cn=svc,dc=corp,dc=example", bindPasswordFile: "/run/secrets/ldap",
                                          baseDNs: ["ou=acme,dc=corp,dc=example", "ou=shared,dc=corp,dc=example"], tenants: ["acme"])

    @Test func subtreesCompareWholeRDNsCaseInsensitively() {
        #expect(DistinguishedName.isWithin("ou=acme,dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))
        #expect(DistinguishedName.isWithin("OU=Staff, OU=Acme,DC=Corp,DC=Example", "ou=acme,dc=corp,dc=example"))
        #expect(DistinguishedName.isWithin("ou=a = b,ou=acme,dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))
        #expect(!DistinguishedName.isWithin("dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))       // above
        #expect(!DistinguishedName.isWithin("ou=xacme,dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))  // not a whole RDN
        // An escaped comma does not split an RDN.
        #expect(!DistinguishedName.isWithin("ou=x\\,ou=acme,dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))
        #expect(!DistinguishedName.isWithin("ou=acme\\,dc=corp,dc=example", "ou=acme,dc=corp,dc=example"))
        for bad in ["", "staff", "ou=a;dc=b", "ou=\"a,b\",dc=c", "=a", "ou=", "ou=a\\", "ou=a\n,dc=b", String(repeating: "a", count: 1025)] {
            #expect(DistinguishedName.rdns(bad) == nil, "\(bad)")
        }
    }

    @Test func aTenantStaysWithinItsConnection() {
        let connections = ["corp": Self.corp]
        func paths(_ l: TenantLDAPSettings, _ tenant: String = "acme") -> [String] {
            DirectoryConnection.problems(l, tenant: tenant, in: connections).map { $0.path.joined(separator: ".") }
        }
        #expect(paths(TenantLDAPSettings(connection: "corp")) == [])
        #expect(paths(TenantLDAPSettings(connection: "corp", baseDN: "ou=people,ou=shared,dc=corp,dc=example")) == [])
        #expect(paths(TenantLDAPSettings(connection: "corp", baseDN: "dc=corp,dc=example")) == ["directory.ldap.base_dn"])
        #expect(paths(TenantLDAPSettings(connection: "nope")) == ["directory.ldap.connection"])
        // Another tenant gets the same answer as for a connection that does not exist.
        let foreign = DirectoryConnection.problems(TenantLDAPSettings(connection: "corp"), tenant: "globex", in: connections)
        #expect(foreign == DirectoryConnection.problems(TenantLDAPSettings(connection: "nope"), tenant: "globex", in: connections))
        var everyone = Self.corp
        everyone.tenants = ["*"]
        #expect(DirectoryConnection.problems(TenantLDAPSettings(connection: "corp"), tenant: "globex", in: ["corp": everyone]) == [])
        // The adapter's settings: the operator's connection with the tenant's subtree and filter.
        let s = Self.corp.settings(for: TenantLDAPSettings(connection: "corp"))
        #expect(s.url == "ldaps://dc1.corp.example" && s.baseDN == "ou=acme,dc=corp,dc=example" && s.bindPasswordFile == "/run/secrets/ldap")
        #expect(s.userFilter == LDAPSettings.defaultUserFilter(.openldap))
    }

    @Test func theOperatorsMistakesAreNamed() {
        var c = Self.corp
        #expect(c.problems() == [])
        c.url = "http://dc1"; c.bindPasswordEnv = "X"; c.baseDNs = []; c.tenants = []; c.timeout = 0
        #expect(c.problems().count == 5, "\(c.problems())")
    }

    /// Secrets as the composition root would read them, from dictionaries (the core reads no file or variable).
    struct FakeSecrets: SecretReader {
        var environment: [String: String] = [:]
        var files: [String: String] = [:]
        func read(_ location: SecretLocation) -> String? {
            switch location {
            case .environment(let name): environment[name]
            case .file(let path): files[path]
            }
        }
    }

    @Test func theBindSecretErrorNamesNoFileOrVariable() throws {
        let dir = "/run/secrets/lifeline-bind-test"
        let secrets = FakeSecrets(environment: ["SET": "v", "EMPTY": ""], files: ["\(dir)/empty": "\n", "\(dir)/good": "s3cret\n"])
        func message(_ s: LDAPSettings) -> String {
            do { _ = try s.bindPassword(from: secrets); return "" } catch { return "\(error)" }
        }
        let base = LDAPSettings(url: "ldaps://x", bindDN: "cn=a", baseDN: "dc=x")
        var missingFile = base; missingFile.bindPasswordFile = "\(dir)/missing"
        var emptyFile = base; emptyFile.bindPasswordFile = "\(dir)/empty"
        var missingEnv = base; missingEnv.bindPasswordEnv = "UNSET"
        var emptyEnv = base; emptyEnv.bindPasswordEnv = "EMPTY"
        let messages = [message(missingFile), message(emptyFile), message(missingEnv), message(emptyEnv), message(base)]
        #expect(Set(messages).count == 1 && !messages[0].isEmpty, "\(messages)")
        #expect(!messages[0].contains(dir) && !messages[0].contains("UNSET"))
        var goodFile = base; goodFile.bindPasswordFile = "\(dir)/good"
        #expect(try goodFile.bindPassword(from: secrets) == "s3cret")
        var goodEnv = base; goodEnv.bindPasswordEnv = "SET"
        #expect(try goodEnv.bindPassword(from: secrets) == "v")
        #expect(goodEnv.bindPasswordLocation == .environment("SET") && goodFile.bindPasswordLocation == .file("\(dir)/good"))
    }
}
