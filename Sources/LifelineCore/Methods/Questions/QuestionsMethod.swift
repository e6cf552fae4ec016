import Foundation

extension VerificationMethodType {
    /// Answers to security questions the user enrolled.
    public static let questions = VerificationMethodType("questions")
}

extension FlowPhase {
    /// The user answers the chosen questions.
    public static let answerQuestions = FlowPhase(rawValue: "answer_questions")
}

/// Settings of a questions method.
public struct QuestionsSettings: MethodSettings {
    /// How many of the user's questions are asked: 1–10, default 3.
    public var questionCount: Int?

    public init(questionCount: Int? = nil) { self.questionCount = questionCount }

    enum CodingKeys: String, CodingKey, CaseIterable { case questionCount = "question_count" }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, known: ["id", "type"] + CodingKeys.allCases.map(\.stringValue))
        questionCount = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .questionCount)
    }

    /// The effective number of questions.
    public var effectiveQuestionCount: Int { questionCount ?? 3 }
}

/// The state of a questions step.
public struct QuestionsState: MethodStepState {
    /// The question ids asked in this flow.
    public var questionIDs: [String]
    public init(questionIDs: [String]) { self.questionIDs = questionIDs }
}

/// The event of a questions step: the answers, checked by the runner.
public enum QuestionsEvent: MethodEvent, Equatable {
    case answers(correct: Bool)
}

extension FlowEvent {
    public static func answers(correct: Bool) -> FlowEvent { .step(QuestionsEvent.answers(correct: correct)) }
}

/// Security questions: `question_count` of the questions the user answered, picked at random. Proves no factor:
/// answers are often researchable or guessable (NIST SP 800-63B does not accept them as an authenticator).
public struct QuestionsMethod: VerificationMethod {
    public init() {}
    public var type: VerificationMethodType { .questions }
    public var defaultSettings: QuestionsSettings { QuestionsSettings() }
    public var factor: String? { nil }
    public var profileData: [ProfileData] { [.answeredQuestions] }
    /// Why: every answer is hashed slowly, so submissions are limited per address and flow before any hashing.
    public var limitsSubmissionRate: Bool { true }

    public func problems(_ s: QuestionsSettings, in config: RecoveryConfig) -> [(key: String?, reason: String)] {
        var out: [(key: String?, reason: String)] = []
        let catalog = config.questions.count
        if let k = s.questionCount, !(1...10).contains(k) { out.append(("question_count", "must be 1 to 10")) }
        if let k = s.questionCount, k > catalog { out.append(("question_count", "asks \(k) questions but the catalog has \(catalog)")) }
        if s.questionCount == nil, catalog < 3 { out.append(("question_count", "the default of 3 questions needs at least 3 in the catalog")) }
        return out
    }

    /// Anti-enumeration: a decoy flow, or a user who answered fewer than `k` questions, is asked from the username's
    /// stable decoy subset (``decoyPool(_:catalog:profile:)``).
    public func enter(_ settings: QuestionsSettings, _ context: StepContext) -> StepEntry<QuestionsState> {
        let k = settings.effectiveQuestionCount
        let catalog = context.config.questions.map(\.id)
        let answered = catalog.filter { context.profile.answeredQuestions.contains($0) }
        let decoy = context.decoy || answered.count < k
        let pool = decoy ? Self.decoyPool(k, catalog: catalog, profile: context.profile) : answered
        return StepEntry(phase: .answerQuestions, state: QuestionsState(questionIDs: Self.pick(k, from: pool, random: context.inputs.random)), decoy: decoy)
    }

    public func handle(_ event: any MethodEvent, state: inout QuestionsState, settings: QuestionsSettings, _ context: StepContext) -> StepResult? {
        guard context.phase == .answerQuestions, case .answers(let correct)? = event as? QuestionsEvent else { return nil }
        return correct && !context.decoy ? .passed(reason: "questions answered") : .wrong(notice: "error.answers_wrong", reason: "wrong answers")
    }

    public func view(_ state: QuestionsState, settings: QuestionsSettings, _ context: StepViewContext) -> StepView {
        StepView(prompt: context.text("prompt.questions", [:]), fields: state.questionIDs.map { qid in
            let text = context.config.questions.first { $0.id == qid }?.text(in: context.language) ?? qid
            return FlowField(name: "answer.\(qid)", type: "text", label: FlowText(id: "question.\(qid)", text: text), required: true, options: nil, autocomplete: "off")
        })
    }

    public func event(_ phase: FlowPhase, state: QuestionsState, _ env: StepEnvironment) async throws -> any MethodEvent {
        let ids = state.questionIDs
        let answers = try ids.map { try env.field("answer.\($0)") }
        // Every answer is hashed, right or wrong, so neither timing nor the message tells which one was wrong.
        let correct = try await env.verifyAnswers(ids.enumerated().map { (id: $0.element, answer: answers[$0.offset]) })
        return QuestionsEvent.answers(correct: correct && !env.decoy)
    }

    public func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool { true }

    /// The questions a decoy step asks from: the username's stable decoy subset (``RecoveryProfile/decoyQuestions``).
    /// Why a stable subset and not the catalog: a real user is asked from the questions they answered, so over repeated
    /// flows the union of the questions asked stays within that set; a decoy asking from the whole catalog was told
    /// apart by that alone. Padded in catalog order when the catalog changed under it or the step asks more than it
    /// holds (so a step can always ask `k`).
    static func decoyPool(_ k: Int, catalog: [String], profile: RecoveryProfile) -> [String] {
        guard let subset = profile.decoyQuestions.map(Set.init) else { return catalog }
        let pool = catalog.filter(subset.contains)
        return pool.count >= k ? pool : pool + catalog.filter { !subset.contains($0) }.prefix(k - pool.count)
    }

    /// `k` distinct entries of `pool` in random order (Fisher–Yates over the random bytes).
    static func pick(_ k: Int, from pool: [String], random: [UInt8]) -> [String] {
        var items = pool
        var r = random.isEmpty ? [0] : random
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let b = Int(r.removeFirst()); if r.isEmpty { r = random.isEmpty ? [0] : random }
            items.swapAt(i, b % (i + 1))
        }
        return Array(items.prefix(k))
    }
}

extension StepState {
    /// The state of a questions step; nil for another method's step.
    public var questions: QuestionsState? {
        get { state as? QuestionsState }
        set { if let newValue { state = newValue } }
    }
}
