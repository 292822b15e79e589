module github.com/openmodelops/fuseml-seldon

go 1.26
