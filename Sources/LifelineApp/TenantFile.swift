import Foundation
import LifelineCore
import Yams

/// A tenant described in YAML, applied by `lifeline tenant apply -f FILE` (and by the demo):
///
/// ```yaml
/// tenant: demo
/// display_name: Lifeline Demo
/// recovery: { methods: [...], flows: [...], questions: [...], limits: {...}, selfservice_url: ... }
/// ```
///
/// Applying is idempotent: the tenant is created if missing and its recovery configuration replaced only if it
/// differs. A bad file is refused with the line and the reason, and nothing changes.
public struct TenantFile: Sendable, Decodable, Equatable {
    public var tenant: String
    public var displayName: String?
    public var recovery: RecoveryConfig

    enum CodingKeys: String, CodingKey, CaseIterable { case tenant, displayName = "display_name", recovery }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tenant = try c.decode(String.self, forKey: .tenant)
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
        recovery = try c.decode(RecoveryConfig.self, forKey: .recovery)
    }

    /// Parses and validates `yaml`; errors name the line (`line 12: flows.0.actions: …`).
    public static func parse(_ yaml: String) throws -> TenantFile {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let e as YamlError {
            throw LifelineError(.invalidRequest, "not valid YAML: \(Self.describe(e))")
        }
        guard let root else { throw LifelineError(.invalidRequest, "the file is empty") }
        let file: TenantFile
        do { file = try YAMLDecoder().decode(TenantFile.self, from: root, userInfo: [ConfigKeyCheck.strict: true]) } catch let problem as ConfigProblem {
            // A key the tenant may not write (a directory connection's URL, CA file, bind secret...), named.
            throw LifelineError(.invalidRequest, Self.locate(problem.path, in: root, problem.reason))
        } catch let e as DecodingError {
            let (path, reason): ([String], String)
            switch e {
            case .keyNotFound(let key, let ctx): (path, reason) = (ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, "'\(key.stringValue)' is required")
            case .typeMismatch(_, let ctx): (path, reason) = (ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, "has the wrong type")
            case .valueNotFound(_, let ctx): (path, reason) = (ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, "must not be empty")
            case .dataCorrupted(let ctx): (path, reason) = (ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, "has an invalid value")
            @unknown default: (path, reason) = ([], "cannot be read")
            }
            throw LifelineError(.invalidRequest, Self.locate(path, in: root, reason))
        }
        _ = try Validation.tenantName(file.tenant)
        let problems = file.recovery.problems()
        guard problems.isEmpty else {
            throw LifelineError(.invalidRequest, problems.map { Self.locate(["recovery"] + $0.path, in: root, $0.reason) }.joined(separator: "; "))
        }
        return file
    }

    /// Creates the tenant if missing and applies the recovery configuration; returns what happened.
    public func apply(admin: AdminService, caller: Caller) async throws -> String {
        var created = false
        if (try? await admin.tenant(tenant, caller: caller)) == nil {
            _ = try await admin.createTenant(name: tenant, displayName: displayName, caller: caller)
            created = true
        }
        let changed = try await admin.applyRecoveryConfig(tenantName: tenant, recovery, caller: caller)
        return created ? "created tenant \(tenant) with its recovery configuration"
            : changed ? "updated the recovery configuration of \(tenant)" : "tenant \(tenant) is unchanged"
    }

    /// `line N: a.b.c: reason`, with the line of the deepest node of `path` that exists.
    static func locate(_ path: [String], in root: Node, _ reason: String) -> String {
        var node = root
        for key in path {
            let next: Node?
            switch node {
            case .mapping(let m): next = m[key]
            case .sequence(let s): next = Int(key).flatMap { s.indices.contains($0) ? s[$0] : nil }
            default: next = nil
            }
            guard let next else { break }
            node = next
        }
        let line = node.mark.map { "line \($0.line): " } ?? ""
        return "\(line)\(path.isEmpty ? "" : path.joined(separator: ".") + ": ")\(reason)"
    }

    static func describe(_ e: YamlError) -> String {
        String(describing: e).split(separator: "\n").first.map(String.init) ?? "parse error"
    }
}
