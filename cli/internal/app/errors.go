package app

// usageError is a mistake in how the command was called; it is printed
// with a hint to --help.
type usageError string

func (e usageError) Error() string { return string(e) }
