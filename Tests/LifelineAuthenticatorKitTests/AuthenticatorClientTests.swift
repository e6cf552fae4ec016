#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// The client against the in-process ``FakeAuthenticatorServer`` (no network), with its state in a real file.
@Suite struct AuthenticatorClientTests {
    let tenantID = "5C0FFEE0-1234-4ABC-8DEF-0123456789AB"

    /// A temporary directory's state file, a fake server, and a client on both.
    func setUp() throws -> (FakeAuthenticatorServer, AuthenticatorClient, FileStateStore) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = FileStateStore(path: dir.appendingPathComponent("state.json").path)
        let server = FakeAuthenticatorServer()
        return (server, AuthenticatorClient(store: store, transport: server), store)
    }

    func activated(pin: String = "4711") async throws -> (FakeAuthenticatorServer, AuthenticatorClient, FileStateStore) {
        let (server, client, store) = try setUp()
        let uri = await server.issueActivation(tenant: "acme", tenantID: tenantID, username: "ada")
        _ = try await client.activate(uri: uri, pin: pin, name: "test", model: "unit")
        return (server, client, store)
    }

    @Test func activateSavesKeysAndSendsOnlyTheVerifier() async throws {
        let (server, client, store) = try setUp()
        let uri = await server.issueActivation(tenant: "acme", tenantID: tenantID, username: "ada")
        let org = try await client.activate(uri: uri, pin: "4711", name: "Ada's laptop", model: "unit")
        #expect(org.tenant == "acme" && org.username == "ada" && org.state == "active" && org.orgKey.count == 32)
        let state = try #require(try store.load())
        #expect(state.isActivated && state.pinKey?.count == 32 && state.server == "http://127.0.0.1:8080")
        #expect(try SoftwareDeviceKey(rawRepresentation: Array(state.deviceKey!)).publicKeyX963.count == 65)
        let requests = await server.requests
        #expect(requests.map(\.path) == ["/api/v1/authenticator/activate"])
        let sent = try JSONDecoder().decode(AuthenticatorWire.ActivateRequest.self, from: requests[0].body)
        #expect(sent.deviceID == nil && sent.pinKey != nil && sent.pinLength == 4)
        #expect(Data(base64Encoded: sent.pinVerifier).map { Array($0) } == AuthenticatorCode.pinVerifier(pinKey: Array(state.pinKey!), pin: "4711"))
        // Why: the PIN never leaves the app; only its verifier does.
        #expect(!String(decoding: requests[0].body, as: UTF8.self).contains("4711"))
    }

    @Test func onlineCodeAfterAChallenge() async throws {
        let (server, client, _) = try await activated()
        let code = try await client.code(organization: "acme", pin: "4711")
        #expect(code.code.count == 8 && code.expiresIn == 120)
        #expect(await server.issuedCodes == [code.code])
        let requests = await server.requests
        #expect(requests.suffix(2).map(\.path) == ["/api/v1/authenticator/challenge", "/api/v1/authenticator/code"])
        #expect(requests.suffix(2).map(\.signed) == [false, true])
        // By tenant id as well as by name.
        _ = try await client.code(organization: tenantID.lowercased(), pin: "4711")
    }

    @Test func wrongPINAnswersAttemptsLeftThenBlocks() async throws {
        let (_, client, store) = try await activated()
        for left in [2, 1] {
            await #expect(throws: AuthenticatorClientError.self) { try await client.code(organization: "acme", pin: "4712") }
            do { _ = try await client.code(organization: "acme", pin: "4712"); Issue.record("accepted a wrong PIN") } catch AuthenticatorClientError.refused(let a) {
                if left == 2 { #expect(a.result == .wrongPIN && a.attemptsLeft == 1) } else { #expect(a.result == .pinBlocked && a.pinBlocked) }
            }
            if left == 1 { break }
        }
        // The right PIN no longer helps, and the app knows the organization is blocked.
        do { _ = try await client.code(organization: "acme", pin: "4711"); Issue.record("a blocked PIN gave a code") } catch AuthenticatorClientError.refused(let a) {
            #expect(a.result == .pinBlocked)
        }
        #expect(try store.load()?.organization("acme")?.state == "blocked")
        #expect(AuthenticatorClientError.refused(.init(result: .wrongPIN, attemptsLeft: 2, pinBlocked: false, organizations: [])).description.contains("2 attempts left"))
    }

    @Test func onlineUnblockSetsTheNewPIN() async throws {
        let (server, client, store) = try await activated()
        for _ in 0..<3 { _ = try? await client.code(organization: "acme", pin: "1357") }
        await server.displayUBC(tenant: "acme", code: "40718265")
        do { _ = try await client.unblock(organization: "acme", ubc: "40718266", newPIN: "2468"); Issue.record("wrong UBC accepted") } catch AuthenticatorClientError.refused(let a) {
            #expect(a.result == .wrongUBC && a.attemptsLeft == 2)
        }
        let answer = try await client.unblock(organization: "acme", ubc: "40718265", newPIN: "2468")
        #expect(answer.result == .ok)
        #expect(try store.load()?.organization("acme")?.state == "active")
        _ = try await client.code(organization: "acme", pin: "2468")
        // The UBC never travels inside a URL or a header, and the PIN never at all.
        let last = await server.requests.last { $0.path.hasSuffix("/unblock") }!
        #expect(!String(decoding: last.body, as: UTF8.self).contains("2468"))
    }

    @Test func offlineCodeIsTheConstructionOverTheVerifier() async throws {
        let (server, client, store) = try await activated()
        let state = try #require(try store.load())
        let now = Date(timeIntervalSince1970: 1_765_000_000)
        let code = try await client.offlineCode(organization: "acme", pin: "4711", now: now)
        let orgKey = try #require(await server.orgKey(tenant: "acme"))
        let serverVerifier = try #require(await server.verifier(deviceID: state.deviceID!))
        let step = AuthenticatorCode.step(unixTime: 1_765_000_000 + state.clockOffset)
        #expect(code == AuthenticatorCode.offlineCode(orgKey: orgKey, pinVerifier: serverVerifier, step: step))
        #expect(try await client.offlineCode(organization: "acme", pin: "4712", now: now) != code)
        // Offline: no request.
        #expect(await server.requests.count == 1)
    }

    @Test func offlineUnblockCodeOpensToTheNewPINAtTheServer() async throws {
        let (server, client, _) = try await activated()
        let now = Date(timeIntervalSince1970: 1_765_000_000)
        let orgKey = try #require(await server.orgKey(tenant: "acme"))
        let step = AuthenticatorCode.step(unixTime: 1_765_000_000)
        for pin in ["0479", "3852", "047193"] {
            let code = try await client.offlineUnblockCode(organization: "acme", ubc: "00917342", newPIN: pin, now: now)
            #expect(code.count == pin.count + 5)
            // The organization input is the tenant id, lowercase, as the server computes it.
            #expect(AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: tenantID.lowercased(), ubc: "00917342", step: step) == pin)
        }
        // Offline: no request.
        #expect(await server.requests.count == 1)
    }

    @Test func stateFileIsPrivateAndAnOpenOneIsRefused() async throws {
        let (_, client, store) = try await activated()
        var info = stat()
        #expect(stat(store.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        // No temporary file left behind.
        let dir = (store.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])
        // Saving again (a code refreshes the last known states) keeps 0600.
        _ = try await client.code(organization: "acme", pin: "4711")
        #expect(stat(store.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Readable by others: refused, with the fix named.
        chmod(store.path, 0o644)
        do { _ = try store.load(); Issue.record("read a state file others can read") } catch let e as AuthenticatorClientError {
            #expect(e.description.contains("chmod 600"))
        }
    }

    @Test func weakOrIllFormedPINsAreRefusedBeforeAnyRequest() async throws {
        let (server, client, _) = try setUp()
        let uri = await server.issueActivation(tenant: "acme", tenantID: tenantID, username: "ada")
        for (pin, expected) in [("1234", AuthenticatorClientError.weakPIN), ("0000", .weakPIN), ("123", .illFormedPIN), ("47a1", .illFormedPIN)] {
            await #expect(throws: expected) { try await client.activate(uri: uri, pin: pin, name: "n", model: "m") }
        }
        #expect(await server.requests.isEmpty)
        _ = try await client.activate(uri: uri, pin: "4711", name: "n", model: "m")
        await #expect(throws: AuthenticatorClientError.weakPIN) { try await client.unblock(organization: "acme", ubc: "40718265", newPIN: "1111") }
        await #expect(throws: AuthenticatorClientError.weakPIN) { try await client.offlineUnblockCode(organization: "acme", ubc: "40718265", newPIN: "2580") }
        await #expect(throws: AuthenticatorClientError.illFormedUBC) { try await client.unblock(organization: "acme", ubc: "4071", newPIN: "3852") }
        await #expect(throws: AuthenticatorClientError.weakPIN) { try await client.resetPIN(organization: "acme", newPIN: "123456") }
        #expect(await server.requests.count == 1)
    }

    @Test func badURIsAndPlainHTTPToAnotherHostAreRefused() async throws {
        let (server, client, _) = try setUp()
        await #expect(throws: AuthenticatorClientError.badURI) { try await client.activate(uri: "https://id.example.org/activate?code=X", pin: "4711", name: "n", model: "m") }
        await #expect(throws: AuthenticatorClientError.badURI) { try await client.activate(uri: "lifeline://activate?v=2&server=https://a&tenant=t&user=u&code=C", pin: "4711", name: "n", model: "m") }
        let plain = ActivationURI(server: "http://id.example.org", tenant: "t", username: "u", code: "C").text
        await #expect(throws: AuthenticatorClientError.insecureServer("http://id.example.org")) { try await client.activate(uri: plain, pin: "4711", name: "n", model: "m") }
        #expect(await server.requests.isEmpty)
        #expect(throws: Never.self) { try ServerAddress.checked("https://id.example.org:8443/") }
        #expect(throws: Never.self) { try ServerAddress.checked("http://localhost:8080") }
        #expect(throws: AuthenticatorClientError.self) { try ServerAddress.checked("ftp://id.example.org") }
    }

    @Test func secondOrganizationProvesThePINWithTheSameDevice() async throws {
        let (server, client, store) = try await activated()
        let before = try #require(try store.load())
        let uri = await server.issueActivation(tenant: "beta", tenantID: "11111111-2222-4333-8444-555555555555", username: "ada.l")
        // A wrong PIN is refused (and counted at the server).
        do { _ = try await client.activate(uri: uri, pin: "4712", name: "n", model: "m"); Issue.record("wrong PIN added an organization") } catch AuthenticatorClientError.refused(let a) {
            #expect(a.result == .wrongPIN)
        }
        let uri2 = await server.issueActivation(tenant: "beta", tenantID: "11111111-2222-4333-8444-555555555555", username: "ada.l")
        _ = try await client.activate(uri: uri2, pin: "4711", name: "n", model: "m")
        let after = try #require(try store.load())
        #expect(after.deviceID == before.deviceID && after.pinKey == before.pinKey && after.deviceKey == before.deviceKey)
        #expect(after.organizations.map(\.tenant) == ["acme", "beta"])
        let sent = try JSONDecoder().decode(AuthenticatorWire.ActivateRequest.self, from: await server.requests.last!.body)
        #expect(sent.deviceID == before.deviceID && sent.pinKey == nil)
        let status = try await client.status()
        #expect(status.organizations.map(\.state) == ["active", "active"])
    }

    @Test func serverClockOffsetFromTheDateHeader() {
        #expect(AuthenticatorClient.httpDate("Sun, 06 Nov 1994 08:49:37 GMT")?.timeIntervalSince1970 == 784_111_777)
        #expect(AuthenticatorClient.httpDate("yesterday") == nil)
        let local = Date(timeIntervalSince1970: 1_000_000)
        #expect(AuthenticatorClient.offset(server: 1_000_002, local: local) == 0)
        #expect(AuthenticatorClient.offset(server: 1_000_045, local: local) == 45)
        #expect(AuthenticatorClient.offset(server: 999_900, local: local) == -100)
    }
}
