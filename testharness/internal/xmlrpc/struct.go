package xmlrpc

// Struct is an XML-RPC struct whose members keep their order, since
// supervisord writes its dicts in insertion order:
//
//	xmlrpc.Struct{{"statecode", 1}, {"statename", "RUNNING"}}
type Struct []Member

// Member is one name and value of a Struct. It is an alias of an unnamed
// struct type so that Struct literals can leave the field names out in
// any package, as above, without go vet's composites check objecting.
type Member = struct {
	Name  string
	Value any
}
