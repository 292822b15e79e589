package api

import (
	"encoding/json"
	"strings"
)

// openAPIDocument is GET /openapi.json: an OpenAPI 3 description of every route
// (a test checks it against the routes actually served).
var openAPIDocument = mustJSON(openAPI())

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func arrayOf(s obj) obj { return obj{"type": "array", "items": s} }

var (
	str     = obj{"type": "string"}
	boolean = obj{"type": "boolean"}
	strMap  = obj{"type": "object", "additionalProperties": str}
	strList = arrayOf(str)
	times   = obj{"type": "object", "properties": obj{"registered": obj{"type": "string", "format": "date-time"}, "updated": obj{"type": "string", "format": "date-time"}}}
)

func schemas() obj {
	return obj{
		"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{
			"error": str, "field": obj{"type": "string", "description": "the invalid field (400)"},
			"requirement": obj{"type": "string", "description": "the unresolved requirement (resolve, 404)"},
		}},
		"Extension": obj{"type": "object", "properties": obj{
			"id":      obj{"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "maxLength": 100, "description": "generated from the product when not given"},
			"product": str, "version": str, "description": str, "zone": str, "configuration": strMap, "status": times,
			"services": arrayOf(ref("Service")),
		}},
		"Service": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string", "maxLength": 100}, "extension_id": str, "resource": str, "category": str,
			"auth_required": boolean, "description": str, "configuration": strMap, "status": times,
			"endpoints": arrayOf(ref("Endpoint")), "credentials": arrayOf(ref("Credentials")),
		}},
		"Endpoint": obj{"type": "object", "required": []string{"url"}, "properties": obj{
			"url": obj{"type": "string", "format": "uri"}, "extension_id": str, "service_id": str,
			"type":          obj{"type": "string", "enum": []string{"internal", "external"}, "default": "external"},
			"configuration": strMap,
		}},
		"Credentials": obj{"type": "object", "properties": obj{
			"id": obj{"type": "string", "maxLength": 100}, "extension_id": str, "service_id": str, "default": boolean,
			"scope":    obj{"type": "string", "enum": []string{"global", "project", "user"}, "default": "global"},
			"projects": strList, "users": strList,
			"configuration": obj{"type": "object", "additionalProperties": str, "description": "values are \"***\" in answers, except resolve and an admin's ?reveal=true"},
			"status":        obj{"type": "object", "properties": obj{"created": obj{"type": "string", "format": "date-time"}, "updated": obj{"type": "string", "format": "date-time"}}},
		}},
		"Requirement": obj{"type": "object", "required": []string{"name"}, "properties": obj{
			"name": str, "extension_id": str, "product": str, "version": obj{"type": "string", "description": "exact version or semantic-version constraint"},
			"zone": str, "strict_zone": boolean, "service_id": str, "service_resource": str, "service_category": str,
			"endpoint_type": obj{"type": "string", "enum": []string{"internal", "external"}},
		}},
		"ResolveRequest": obj{"type": "object", "required": []string{"requirements"}, "properties": obj{
			"consumer":     obj{"type": "object", "properties": obj{"project": str, "user": str, "zone": str}},
			"requirements": arrayOf(ref("Requirement")),
		}},
		"Access": obj{"type": "object", "properties": obj{
			"name": str, "extension": ref("Extension"), "service": ref("Service"), "endpoint": ref("Endpoint"),
			"credentials": ref("Credentials"), "env": strMap,
		}},
		"Resolution": obj{"type": "object", "properties": obj{"accesses": arrayOf(ref("Access")), "env": strMap}},
		"Application": obj{"type": "object", "required": []string{"name", "type", "workflow", "k8s_namespace"}, "properties": obj{
			"name": obj{"type": "string", "maxLength": 63}, "type": str, "description": str, "url": obj{"type": "string", "format": "uri"},
			"workflow": str, "k8s_namespace": str,
			"k8s_resources": arrayOf(obj{"type": "object", "required": []string{"kind", "name"}, "properties": obj{"kind": str, "name": str}}),
			"model":         str, "predictor": str,
			"status": obj{"type": "object", "properties": obj{
				"state": obj{"type": "string", "enum": []string{"deploying", "ready", "failed"}}, "message": str,
				"updated": obj{"type": "string", "format": "date-time"},
			}},
			"history": arrayOf(obj{"type": "object", "properties": obj{
				"time": obj{"type": "string", "format": "date-time"}, "workflow": str, "url": str, "model": str, "predictor": str,
			}}),
		}},
		"ApplicationDeletion": obj{"type": "object", "properties": obj{
			"name": str, "kubernetes_deleted": boolean, "message": str, "k8s_namespace": str,
			"k8s_resources": arrayOf(obj{"type": "object", "properties": obj{"kind": str, "name": str}}),
		}},
	}
}

// op describes one operation.
type op struct {
	method, path, summary string
	role                  Role
	query                 []string
	body                  string // request schema
	ok                    int
	okSchema              obj
	errors                []int
}

var descriptions = map[int]string{
	200: "OK", 201: "Created", 204: "Deleted", 400: "Invalid: the body names the field", 401: "No or unknown bearer token",
	403: "The token's role may not do this", 404: "Not found", 409: "Exists, or another workflow's application",
	413: "Body over 1 MiB", 501: "No encryption key: credentials cannot be stored", 502: "Kubernetes objects could not be deleted (record kept)",
	503: "Store unreachable",
}

var listFilters = []string{"extension_id", "product", "version", "zone", "strict_zone", "service_id", "service_resource", "service_category", "type", "credentials_scope", "user", "project", "reveal"}

func operations() []op {
	ext, svc, ep, cred := "/extensions/{id}", "/extensions/{id}/services/{sid}", "/extensions/{id}/services/{sid}/endpoints/{url}", "/extensions/{id}/services/{sid}/credentials/{cid}"
	w := []int{400, 401, 403, 404, 413}
	return []op{
		{"GET", "/healthz", "Liveness (no token)", 0, nil, "", 200, obj{"type": "object"}, nil},
		{"GET", "/readyz", "Readiness: the store answers", RoleReader, nil, "", 200, obj{"type": "object"}, []int{401, 403, 503}},
		{"GET", "/metrics", "Prometheus metrics", RoleReader, nil, "", 200, nil, []int{401, 403}},
		{"GET", "/openapi.json", "This document", RoleReader, nil, "", 200, obj{"type": "object"}, []int{401, 403}},

		{"POST", "/extensions", "Register an extension with its services, endpoints and credentials", RoleEditor, nil, "Extension", 201, ref("Extension"), []int{400, 401, 403, 409, 413, 501}},
		{"GET", "/extensions", "Query extensions", RoleReader, listFilters, "", 200, arrayOf(ref("Extension")), []int{400, 401, 403}},
		{"POST", "/extensions/resolve", "Resolve requirements into access descriptors and an environment", RoleEditor, nil, "ResolveRequest", 200, ref("Resolution"), w},
		{"GET", ext, "Get an extension", RoleReader, []string{"reveal"}, "", 200, ref("Extension"), []int{401, 403, 404}},
		{"PUT", ext, "Update an extension's own fields", RoleEditor, nil, "Extension", 200, ref("Extension"), w},
		{"DELETE", ext, "Delete an extension and its tree", RoleEditor, nil, "", 204, nil, []int{401, 403, 404}},

		{"POST", ext + "/services", "Add a service", RoleEditor, nil, "Service", 201, ref("Service"), []int{400, 401, 403, 404, 409, 413, 501}},
		{"GET", ext + "/services", "List services", RoleReader, []string{"reveal"}, "", 200, arrayOf(ref("Service")), []int{401, 403, 404}},
		{"GET", svc, "Get a service", RoleReader, []string{"reveal"}, "", 200, ref("Service"), []int{401, 403, 404}},
		{"PUT", svc, "Update a service's own fields", RoleEditor, nil, "Service", 200, ref("Service"), w},
		{"DELETE", svc, "Delete a service, its endpoints and credentials", RoleEditor, nil, "", 204, nil, []int{401, 403, 404}},

		{"POST", svc + "/endpoints", "Add an endpoint", RoleEditor, nil, "Endpoint", 201, ref("Endpoint"), []int{400, 401, 403, 404, 409, 413}},
		{"GET", svc + "/endpoints", "List endpoints", RoleReader, nil, "", 200, arrayOf(ref("Endpoint")), []int{401, 403, 404}},
		{"GET", ep, "Get an endpoint (URL path-escaped)", RoleReader, nil, "", 200, ref("Endpoint"), []int{401, 403, 404}},
		{"PUT", ep, "Update an endpoint", RoleEditor, nil, "Endpoint", 200, ref("Endpoint"), w},
		{"DELETE", ep, "Delete an endpoint", RoleEditor, nil, "", 204, nil, []int{401, 403, 404}},

		{"POST", svc + "/credentials", "Add credentials", RoleEditor, nil, "Credentials", 201, ref("Credentials"), []int{400, 401, 403, 404, 409, 413, 501}},
		{"GET", svc + "/credentials", "List credentials (redacted)", RoleEditor, []string{"reveal"}, "", 200, arrayOf(ref("Credentials")), []int{401, 403, 404}},
		{"GET", cred, "Get credentials (redacted)", RoleEditor, []string{"reveal"}, "", 200, ref("Credentials"), []int{401, 403, 404}},
		{"PUT", cred, "Update credentials (a \"***\" value keeps the stored one)", RoleEditor, nil, "Credentials", 200, ref("Credentials"), []int{400, 401, 403, 404, 413, 501}},
		{"DELETE", cred, "Delete credentials", RoleEditor, nil, "", 204, nil, []int{401, 403, 404}},

		{"POST", "/applications", "Register (create or replace) an application", RoleEditor, []string{"force"}, "Application", 201, ref("Application"), []int{200, 400, 401, 403, 409, 413}},
		{"GET", "/applications", "List applications", RoleReader, []string{"type", "workflow"}, "", 200, arrayOf(ref("Application")), []int{401, 403}},
		{"GET", "/applications/{name}", "Get an application", RoleReader, nil, "", 200, ref("Application"), []int{401, 403, 404}},
		{"DELETE", "/applications/{name}", "Delete an application and, with cluster access, its Kubernetes objects", RoleEditor, nil, "", 204, nil, []int{200, 401, 403, 404, 502}},
		{"DELETE", "/applications/{name}/", "FuseML's form of the delete path", RoleEditor, nil, "", 204, nil, []int{200, 401, 403, 404, 502}},
	}
}

func openAPI() obj {
	paths := obj{}
	for _, o := range operations() {
		item, _ := paths[o.path].(obj)
		if item == nil {
			item = obj{}
			paths[o.path] = item
		}
		var params []obj
		for _, seg := range strings.Split(o.path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				p := obj{"name": name, "in": "path", "required": true, "schema": str}
				if name == "url" {
					p["description"] = "the endpoint URL, path-escaped"
				}
				params = append(params, p)
			}
		}
		for _, q := range o.query {
			params = append(params, obj{"name": q, "in": "query", "schema": str})
		}
		responses := obj{}
		codes := append([]int{o.ok}, o.errors...)
		for _, c := range codes {
			r := obj{"description": descriptions[c]}
			switch {
			case c == o.ok && o.okSchema != nil:
				r["content"] = obj{"application/json": obj{"schema": o.okSchema}}
			case c == 200 && o.method == "POST":
				r["content"] = obj{"application/json": obj{"schema": o.okSchema}}
				r["description"] = "Replaced (same workflow, or force)"
			case c == 200 && o.method == "DELETE":
				r["content"] = obj{"application/json": obj{"schema": ref("ApplicationDeletion")}}
				r["description"] = "Only the record was deleted: the server has no cluster access"
			case c >= 400:
				r["content"] = obj{"application/json": obj{"schema": ref("Error")}}
			}
			responses[itoa(c)] = r
		}
		operation := obj{"summary": o.summary, "responses": responses}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.body != "" {
			operation["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(o.body)}}}
		}
		if o.role == 0 {
			operation["security"] = []obj{}
		} else {
			operation["x-fuseml-role"] = o.role.String()
		}
		item[strings.ToLower(o.method)] = operation
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       "FuseML extension and application registry",
			"version":     "1",
			"description": "FuseML's registry paths and JSON field names. Every operation but /healthz needs a bearer token; its role (reader, editor, admin) is given as x-fuseml-role.",
		},
		"paths":    paths,
		"security": []obj{{"bearer": []string{}}},
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas(),
		},
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
