package model

// Mutex is a lock: acquire succeeds only when the lock is free and release
// only when it is held. Values are ignored. A history in which two
// processes both hold the lock (a double grant) is not linearizable.
func Mutex() Model { return mutex{} }

type mutex struct{}

func (mutex) Name() string { return "mutex" }

func (mutex) Inert(Op) bool { return false }

func (mutex) Build(ops []Op) (Machine, error) {
	m := make(mutexMachine, len(ops))
	for i, op := range ops {
		switch op.F {
		case "acquire":
			m[i] = true
		case "release":
		default:
			return nil, opError(op, "mutex", "f acquire or release")
		}
	}
	return m, nil
}

// mutexMachine holds, per op, whether it acquires; state 1 means held.
type mutexMachine []bool

func (m mutexMachine) Init() State { return 0 }

func (m mutexMachine) Step(s State, op int, _ int) (State, bool, bool) {
	if m[op] {
		return 1, s == 0, false
	}
	return 0, s == 1, false
}

func (m mutexMachine) Show(s State) any {
	if s == 1 {
		return "held"
	}
	return "free"
}
