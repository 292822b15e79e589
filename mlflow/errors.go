package mlflow

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned (wrapped) by a Store when an object does not exist.
var ErrNotFound = errors.New("not found")

// ErrSourceChanged is returned (wrapped) by Store.Copy when the source no longer has the
// ETag the caller listed: the model changed while it was being copied.
var ErrSourceChanged = errors.New("source changed during the copy")

// ErrInvalidMLmodel is wrapped by every error that rejects the content of an MLmodel file.
var ErrInvalidMLmodel = errors.New("invalid MLmodel")

// ErrInvalidURI is wrapped by every error that rejects a model URI.
var ErrInvalidURI = errors.New("invalid model URI")

// ErrNoServableFlavor is wrapped when Detect finds no flavor that a Seldon server can serve.
var ErrNoServableFlavor = errors.New("no servable flavor")

// ErrUnknownPredictor is wrapped when a predictor name is not one of Predictors.
var ErrUnknownPredictor = errors.New("unknown predictor")

// FieldError rejects one field of an MLmodel file. Field is the dotted path of the field
// (for example "flavors.sklearn.pickled_model").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("invalid MLmodel: %s", e.Reason)
	}
	return fmt.Sprintf("invalid MLmodel: field %s: %s", e.Field, e.Reason)
}

// Unwrap lets callers test a FieldError with errors.Is(err, ErrInvalidMLmodel).
func (e *FieldError) Unwrap() error { return ErrInvalidMLmodel }

// MismatchError says that a requested predictor cannot serve the model.
type MismatchError struct {
	// Requested is the predictor that was asked for.
	Requested Predictor
	// Model describes the model, for example "a Keras model saved as HDF5 (data/model.h5)".
	Model string
	// Why says why the requested predictor cannot serve it.
	Why string
	// Servable lists the predictors that would serve the model; empty when none would.
	Servable []Predictor
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "predictor %q cannot serve this model: it is %s", e.Requested, e.Model)
	if e.Why != "" {
		fmt.Fprintf(&b, " (%s)", e.Why)
	}
	if len(e.Servable) == 0 {
		b.WriteString("; no Seldon predictor can serve it")
	} else {
		names := make([]string, len(e.Servable))
		for i, p := range e.Servable {
			names[i] = string(p)
		}
		fmt.Fprintf(&b, "; predictors that would serve it: %s", strings.Join(names, ", "))
	}
	return b.String()
}

// TooLargeError refuses to read an object larger than the reader allows.
type TooLargeError struct {
	URI  string
	Size int64
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, more than the %d allowed", e.URI, e.Size, e.Max)
}
