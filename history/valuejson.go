package history

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
)

// MarshalJSON writes a map as Clojure's JSON writers do, so results that
// carry EDN maps (a register's state, a bank read) read as maps in
// results.json and `faultline check --output json`: an object whose names
// are the keys' text (a keyword or symbol without its colon, an integer in
// decimal), in the map's order. A map whose keys have no such text (nil,
// vectors, maps), or two of whose keys share one, is written as an array of
// [key value] pairs instead, so no entry is lost.
func (m Map) MarshalJSON() ([]byte, error) {
	names := make([]string, len(m))
	seen := make(map[string]bool, len(m))
	asObject := true
	for i, e := range m {
		name, ok := jsonName(e.Key)
		if !ok || seen[name] {
			asObject = false
			break
		}
		seen[name] = true
		names[i] = name
	}
	var b bytes.Buffer
	if asObject {
		b.WriteByte('{')
	} else {
		b.WriteByte('[')
	}
	for i, e := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		var part []byte
		var err error
		if asObject {
			part, err = json.Marshal(names[i])
			b.Write(part)
			b.WriteByte(':')
			if err == nil {
				part, err = json.Marshal(e.Value)
			}
		} else {
			part, err = json.Marshal([]any{e.Key, e.Value})
		}
		if err != nil {
			return nil, err
		}
		b.Write(part)
	}
	if asObject {
		b.WriteByte('}')
	} else {
		b.WriteByte(']')
	}
	return b.Bytes(), nil
}

// jsonName is the text a map key takes as a JSON object's member name.
func jsonName(k any) (string, bool) {
	if s, ok := AsString(k); ok {
		return s, true
	}
	switch x := k.(type) {
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case *big.Int:
		return x.String(), true
	}
	return "", false
}
