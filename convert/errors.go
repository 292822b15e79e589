package convert

import "errors"

// ErrMissingFile is wrapped when a file the MLmodel names (the pickled model, the
// SavedModel, the ONNX file, the booster) is not in the listing of the model folder.
var ErrMissingFile = errors.New("missing model file")

// ErrInvalidRequest is wrapped when a plan request is incomplete or malformed: no MLmodel,
// an unknown API, an application name that cannot name a folder.
var ErrInvalidRequest = errors.New("invalid conversion request")

// ErrUnsupported is wrapped when the predictor cannot serve the model in the requested
// API (for example a Keras HDF5 file for TF Serving); mlflow.Check says why in detail.
var ErrUnsupported = errors.New("unsupported conversion")
