package pdf

import (
	"errors"
	"fmt"
)

// Page is one page object and its inherited attributes (§7.7.3.3, §7.7.3.4).
type Page struct {
	Ref      Ref
	Dict     Dict
	MediaBox [4]float64
	Rotate   int64
}

// Page returns page n (1-based), walking the page tree with /Count to skip subtrees.
func (d *Document) Page(n int) (*Page, error) {
	cat, err := d.Catalog()
	if err != nil {
		return nil, err
	}
	node, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, errMalformed(errors.New("catalog /Pages is not a reference"))
	}
	if n < 1 {
		return nil, fmt.Errorf("pdf: page %d does not exist", n)
	}
	inherited := Dict{}
	seen := map[Ref]bool{}
	remaining := n
	for depth := 0; depth < 64; depth++ {
		if seen[node] {
			return nil, errMalformed(errors.New("page tree loop"))
		}
		seen[node] = true
		dict, err := d.Dict(node)
		if err != nil {
			return nil, err
		}
		if dict == nil {
			return nil, errMalformed(fmt.Errorf("page tree node %v missing", node))
		}
		for _, k := range []Name{"MediaBox", "Rotate"} {
			if v, ok := dict[k]; ok {
				inherited[k] = v
			}
		}
		if dict.Name("Type") == "Page" || dict["Kids"] == nil {
			if remaining != 1 {
				return nil, fmt.Errorf("pdf: page %d does not exist", n)
			}
			return d.newPage(node, dict, inherited)
		}
		kidsObj, err := d.Resolve(dict["Kids"])
		if err != nil {
			return nil, err
		}
		kids, _ := kidsObj.(Array)
		found := false
		for _, k := range kids {
			kr, ok := k.(Ref)
			if !ok {
				continue
			}
			kd, err := d.Dict(kr)
			if err != nil {
				return nil, err
			}
			cnt := int64(1)
			if kd.Name("Type") != "Page" && kd["Kids"] != nil {
				c, _ := d.Resolve(kd["Count"])
				cnt, _ = c.(int64)
			}
			if int64(remaining) <= cnt {
				node, found = kr, true
				break
			}
			remaining -= int(cnt)
		}
		if !found {
			return nil, fmt.Errorf("pdf: page %d does not exist", n)
		}
	}
	return nil, errMalformed(errors.New("page tree too deep"))
}

func (d *Document) newPage(ref Ref, dict, inherited Dict) (*Page, error) {
	p := &Page{Ref: ref, Dict: dict, MediaBox: [4]float64{0, 0, 595, 842}}
	if mb, err := d.Resolve(inherited["MediaBox"]); err == nil {
		if a, ok := mb.(Array); ok && len(a) == 4 {
			for i, v := range a {
				p.MediaBox[i] = Number(v)
			}
		}
	}
	if r, ok := inherited["Rotate"].(int64); ok {
		p.Rotate = ((r % 360) + 360) % 360
	}
	return p, nil
}

// Number returns an integer or real as float64 (0 otherwise).
func Number(o Object) float64 {
	switch v := o.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// Fields returns the terminal form fields reachable from the AcroForm /Fields (§12.7.3.1), with the
// field type inherited from ancestors.
func (d *Document) Fields() ([]Field, error) {
	cat, err := d.Catalog()
	if err != nil {
		return nil, err
	}
	af, err := d.Dict(cat["AcroForm"])
	if err != nil || af == nil {
		return nil, err
	}
	arr, err := d.Resolve(af["Fields"])
	if err != nil {
		return nil, err
	}
	var out []Field
	seen := map[Ref]bool{}
	var walk func(o Object, ft Name, depth int) error
	walk = func(o Object, ft Name, depth int) error {
		if depth > 32 || len(out) > 100000 {
			return errMalformed(errors.New("form field tree too deep or large"))
		}
		r, isRef := o.(Ref)
		if isRef {
			if seen[r] {
				return nil
			}
			seen[r] = true
		}
		f, err := d.Dict(o)
		if err != nil || f == nil {
			return err
		}
		if t := f.Name("FT"); t != "" {
			ft = t
		}
		kids, _ := d.Resolve(f["Kids"])
		if ka, ok := kids.(Array); ok && len(ka) > 0 {
			for _, k := range ka {
				if err := walk(k, ft, depth+1); err != nil {
					return err
				}
			}
			if f["T"] == nil {
				return nil
			}
		}
		out = append(out, Field{Ref: r, Dict: f, Type: ft})
		return nil
	}
	if a, ok := arr.(Array); ok {
		for _, f := range a {
			if err := walk(f, "", 0); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Field is a form field.
type Field struct {
	Ref  Ref // zero when the field is a direct object
	Dict Dict
	Type Name
}

// PageRefs lists the page objects in order with one walk of the page tree (at most limit pages), and
// the indirect /Annots arrays met on the way.
func (d *Document) PageRefs(limit int) (pages []Ref, annots []Ref, err error) {
	cat, err := d.Catalog()
	if err != nil {
		return nil, nil, err
	}
	seen := map[Ref]bool{}
	var walk func(o Object, depth int) error
	walk = func(o Object, depth int) error {
		r, ok := o.(Ref)
		if !ok || seen[r] || depth > 64 || len(pages) >= limit {
			return nil
		}
		seen[r] = true
		dict, err := d.Dict(r)
		if err != nil || dict == nil {
			return err
		}
		if dict.Name("Type") == "Page" || dict["Kids"] == nil {
			pages = append(pages, r)
			if a, ok := dict["Annots"].(Ref); ok {
				annots = append(annots, a)
			}
			return nil
		}
		kids, err := d.Resolve(dict["Kids"])
		if err != nil {
			return err
		}
		ka, _ := kids.(Array)
		for _, k := range ka {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	err = walk(cat["Pages"], 0)
	return pages, annots, err
}
