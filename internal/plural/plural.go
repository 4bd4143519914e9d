// Package plural writes counts the way a person reads them: "1 read",
// "3 reads", "0 classes". Explanations and verdict lines are read by people
// in a hurry, and "1 reads" makes them stop and wonder what else is wrong.
//
// Only the regular English plurals are known (read -> reads, class ->
// classes, entry -> entries); callers with another word pass both forms to
// Pick.
package plural

import (
	"strconv"
	"strings"
)

// Integer is any whole-number count.
type Integer interface {
	~int | ~int32 | ~int64
}

// Count returns n followed by noun, in the plural unless n is 1:
// Count(1, "read") is "1 read", Count(2, "log file") is "2 log files".
func Count[N Integer](n N, noun string) string {
	return strconv.FormatInt(int64(n), 10) + " " + Noun(n, noun)
}

// Noun returns noun, in the plural unless n is 1, without the number.
func Noun[N Integer](n N, noun string) string {
	if n == 1 {
		return noun
	}
	return plural(noun)
}

// Pick returns one when n is 1 and many otherwise: for the verbs and
// pronouns that go with a count, as in Pick(n, "was", "were").
func Pick[N Integer](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plural makes the regular English plural of noun's last word.
func plural(noun string) string {
	switch {
	case noun == "":
		return noun
	case hasAnySuffix(noun, "s", "x", "z", "ch", "sh"):
		return noun + "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
