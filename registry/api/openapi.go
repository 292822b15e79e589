package api

var openAPIDocument = []byte(`{}`)
