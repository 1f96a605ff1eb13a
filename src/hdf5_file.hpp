// A small RAII layer over the HDF5 C API, enough for the run file: files, groups, 1-D and 2-D
// datasets (float64, int64) and scalar or 1-D attributes. Every failure throws h5::Error whose
// message starts with the path inside the file ("/weights/W2: ..."); a checksum that does not
// match throws its subclass h5::ChecksumError. HDF5's own error printing is switched off.
// Files are written in the HDF5 1.10 format, whose metadata carries checksums (all but the global
// heap of string values), and every non-empty dataset is chunked with the Fletcher32 filter, so
// corruption is detected on read.
// Private to the library.
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace paraflow::h5 {

/// One line: the path inside the file, then what went wrong.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A checksum in the file does not match its bytes (metadata, or a Fletcher32 chunk of data).
class ChecksumError : public Error {
 public:
  /// `object`: the path inside the file of the object being read ("/weights/W2").
  explicit ChecksumError(const std::string& object)
      : Error(object + ": checksum mismatch"), object_(object) {}
  const std::string& object() const { return object_; }

 private:
  std::string object_;
};

/// The innermost message on HDF5's error stack (the most specific cause), or "".
inline std::string hdf5_reason() {
  std::string reason;
  auto take_first = [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
    if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_first, &reason);
  return reason;
}

/// Whether any message on HDF5's error stack reports a checksum failure. HDF5 1.10 has no error
/// code for it, only messages: "incorrect metadata checksum ...", "data error detected by
/// Fletcher32 checksum", "bad checksum ...".
inline bool hdf5_checksum_failed() {
  bool found = false;
  auto look = [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
    std::string desc = e->desc ? e->desc : "";
    std::transform(desc.begin(), desc.end(), desc.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (desc.find("checksum") != std::string::npos) *static_cast<bool*>(out) = true;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, look, &found);
  return found;
}

/// Throws for the HDF5 call that just failed at `where` ("/weights/W2" or "/options: attribute
/// 'eta'"): ChecksumError naming the object if HDF5 saw a bad checksum, else `where: what (cause)`.
[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  if (hdf5_checksum_failed()) throw ChecksumError(where.substr(0, where.find(':')));
  const std::string reason = hdf5_reason();
  throw Error(where + ": " + what + (reason.empty() ? "" : " (" + reason + ")"));
}

/// Bob Jenkins' lookup3 hash (hashlittle, byte by byte), HDF5's checksum of metadata.
inline std::uint32_t lookup3(const unsigned char* k, std::size_t length,
                             std::uint32_t initval = 0) {
  auto rot = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto word = [](const unsigned char* p, std::size_t n) {  // n <= 4 bytes, little-endian
    std::uint32_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= std::uint32_t(p[i]) << (8 * i);
    return w;
  };
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + std::uint32_t(length) + initval;
  for (; length > 12; length -= 12, k += 12) {
    a += word(k, 4), b += word(k + 4, 4), c += word(k + 8, 4);
    a -= c, a ^= rot(c, 4), c += b;
    b -= a, b ^= rot(a, 6), a += c;
    c -= b, c ^= rot(b, 8), b += a;
    a -= c, a ^= rot(c, 16), c += b;
    b -= a, b ^= rot(a, 19), a += c;
    c -= b, c ^= rot(b, 4), b += a;
  }
  if (length == 0) return c;
  a += word(k, std::min<std::size_t>(length, 4));
  if (length > 4) b += word(k + 4, std::min<std::size_t>(length - 4, 4));
  if (length > 8) c += word(k + 8, length - 8);
  c ^= b, c -= rot(b, 14);
  a ^= c, a -= rot(c, 11);
  b ^= a, b -= rot(a, 25);
  c ^= b, c -= rot(b, 16);
  a ^= c, a -= rot(c, 4);
  b ^= a, b -= rot(a, 14);
  c ^= b, c -= rot(b, 24);
  return c;
}

/// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_), std::swap(closer_, o.closer_);
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { release(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes now; false if HDF5 reports a failure (for files: data not written).
  bool release() {
    if (id_ < 0) return true;
    return closer_(std::exchange(id_, H5I_INVALID_HID)) >= 0;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Takes a freshly returned identifier; throws `where: what` if it is invalid.
inline Handle own(hid_t id, Handle::Closer closer, const std::string& where,
                  const std::string& what) {
  if (id < 0) fail(where, what);
  return Handle(id, closer);
}

inline std::string shape_string(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Variable-length UTF-8 string type (what h5py writes for `str`).
inline Handle string_type() {
  Handle t = own(H5Tcopy(H5T_C_S1), H5Tclose, "/", "cannot create string type");
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

/// A group (or the root group of a file) and its path, for messages.
class Group {
 public:
  Group(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}

  hid_t id() const { return handle_.get(); }
  const std::string& path() const { return path_; }
  std::string child(const std::string& name) const {
    return (path_ == "/" ? "/" : path_ + "/") + name;
  }
  bool has(const std::string& name) const {
    const htri_t exists = H5Lexists(id(), name.c_str(), H5P_DEFAULT);
    if (exists < 0) fail(child(name), "cannot look up");
    return exists > 0;
  }

  Group create_group(const std::string& name) const {
    return {own(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                child(name), "cannot create group"),
            child(name)};
  }
  Group open_group(const std::string& name) const {
    Handle object = open_object(name);
    if (H5Iget_type(object.get()) != H5I_GROUP) fail(child(name), "expected a group");
    return {std::move(object), child(name)};
  }

  // ---- datasets (row-major data, shape as HDF5 and h5py report it) ----
  void write_doubles(const std::string& name, const std::vector<hsize_t>& dims,
                     const double* data) const {
    write_dataset(name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
  }
  void write_int64s(const std::string& name, const std::vector<std::int64_t>& values) const {
    write_dataset(name, {values.size()}, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data());
  }
  /// A float64 dataset whose shape matches `shape` (entries < 0 match any extent, shown as N).
  std::vector<double> read_doubles(const std::string& name, const std::vector<long long>& shape,
                                   std::vector<hsize_t>* dims = nullptr) const {
    std::vector<double> values;
    read_dataset(name, shape, false, H5T_NATIVE_DOUBLE, values, dims);
    return values;
  }
  /// A 1-D integer dataset of `length` values (any length if < 0).
  std::vector<std::int64_t> read_int64s(const std::string& name, long long length = -1) const {
    std::vector<std::int64_t> values;
    read_dataset(name, {length}, true, H5T_NATIVE_INT64, values, nullptr);
    return values;
  }

  // ---- attributes ----
  void set_string(const std::string& name, const std::string& value) const {
    const char* p = value.c_str();
    write_attribute(name, string_type().get(), {}, &p);
  }
  /// A fixed-length string: stored in the object header, which the 1.10 format checksums
  /// (h5py reads it as bytes).
  void set_fixed_string(const std::string& name, const std::string& value) const {
    Handle type = own(H5Tcopy(H5T_C_S1), H5Tclose, where(name), "cannot create string type");
    if (H5Tset_size(type.get(), value.size() + 1) < 0) fail(where(name), "cannot size string type");
    write_attribute(name, type.get(), {}, value.c_str());  // with its terminating null
  }
  void set_int64(const std::string& name, std::int64_t v) const {
    write_attribute(name, H5T_NATIVE_INT64, {}, &v);
  }
  void set_double(const std::string& name, double v) const {
    write_attribute(name, H5T_NATIVE_DOUBLE, {}, &v);
  }
  void set_ints(const std::string& name, const std::vector<int>& v) const {
    write_attribute(name, H5T_NATIVE_INT, {v.size()}, v.data());
  }

  bool has_attribute(const std::string& name) const {
    const htri_t exists = H5Aexists(id(), name.c_str());
    if (exists < 0) fail(where(name), "cannot look up");
    return exists > 0;
  }
  /// Names of all attributes, in name order.
  std::vector<std::string> attribute_names() const {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    };
    if (H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
      fail(path_, "cannot list attributes");
    return names;
  }
  /// HDF5 type class of a scalar attribute (H5T_INTEGER, H5T_FLOAT, H5T_STRING, ...).
  H5T_class_t attribute_class(const std::string& name) const {
    Handle a = open_attribute(name);
    Handle type = own(H5Aget_type(a.get()), H5Tclose, where(name), "cannot read type");
    return H5Tget_class(type.get());
  }
  std::string get_string(const std::string& name) const {
    Handle a = open_attribute(name, 1);
    Handle type = own(H5Aget_type(a.get()), H5Tclose, where(name), "cannot read type");
    if (H5Tget_class(type.get()) != H5T_STRING) fail(where(name), "expected a string");
    if (H5Tis_variable_str(type.get()) > 0) {
      char* p = nullptr;
      Handle mem = string_type();
      if (H5Aread(a.get(), mem.get(), &p) < 0) fail(where(name), "cannot read");
      std::string s = p ? p : "";
      H5free_memory(p);
      return s;
    }
    std::string s(H5Tget_size(type.get()), '\0');
    if (H5Aread(a.get(), type.get(), s.data()) < 0) fail(where(name), "cannot read");
    return s.substr(0, s.find('\0'));
  }
  std::int64_t get_int64(const std::string& name) const {
    std::vector<std::int64_t> v(1);
    read_attribute(name, H5T_INTEGER, "an integer", 1, H5T_NATIVE_INT64, v);
    return v[0];
  }
  double get_double(const std::string& name) const {
    std::vector<double> v(1);
    read_attribute(name, H5T_FLOAT, "a real number", 1, H5T_NATIVE_DOUBLE, v);
    return v[0];
  }
  /// A 1-D integer array attribute of any length.
  std::vector<std::int64_t> get_int64s(const std::string& name) const {
    std::vector<std::int64_t> v;
    read_attribute(name, H5T_INTEGER, "an integer array", -1, H5T_NATIVE_INT64, v);
    return v;
  }

 protected:
  Handle handle_;
  std::string path_;

 private:
  std::string where(const std::string& attribute) const {
    return path_ + ": attribute '" + attribute + "'";
  }

  Handle open_object(const std::string& name) const {
    if (!has(name)) throw Error(child(name) + ": missing");
    return own(H5Oopen(id(), name.c_str(), H5P_DEFAULT), H5Oclose, child(name), "cannot open");
  }

  /// Opens an attribute; with `points` >= 0 it must hold exactly that many values.
  Handle open_attribute(const std::string& name, long long points = -1) const {
    if (!has_attribute(name)) throw Error(path_ + ": attribute '" + name + "' missing");
    Handle a = own(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, where(name), "cannot open");
    if (points >= 0) {
      Handle space = own(H5Aget_space(a.get()), H5Sclose, where(name), "cannot read shape");
      if (H5Sget_simple_extent_npoints(space.get()) != points)
        throw Error(where(name) + ": expected a single value");
    }
    return a;
  }

  template <class T>
  void read_attribute(const std::string& name, H5T_class_t cls, const char* expected,
                      long long points, hid_t mem_type, std::vector<T>& out) const {
    Handle a = open_attribute(name, points);
    Handle type = own(H5Aget_type(a.get()), H5Tclose, where(name), "cannot read type");
    Handle space = own(H5Aget_space(a.get()), H5Sclose, where(name), "cannot read shape");
    if (H5Tget_class(type.get()) != cls) throw Error(where(name) + ": expected " + expected);
    if (points < 0 && H5Sget_simple_extent_ndims(space.get()) != 1)
      throw Error(where(name) + ": expected " + expected);
    out.resize(H5Sget_simple_extent_npoints(space.get()));
    if (!out.empty() && H5Aread(a.get(), mem_type, out.data()) < 0)
      fail(where(name), "cannot read");
  }

  void write_attribute(const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                       const void* data) const {
    Handle space = own(dims.empty() ? H5Screate(H5S_SCALAR)
                                    : H5Screate_simple(int(dims.size()), dims.data(), nullptr),
                       H5Sclose, where(name), "cannot create dataspace");
    Handle a = own(H5Acreate2(id(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, where(name), "cannot create");
    if (H5Awrite(a.get(), type, data) < 0) fail(where(name), "cannot write");
  }

  // Non-empty datasets are chunked (rows of at most ~1 MiB per chunk, usually one chunk) with
  // the Fletcher32 filter, which checksums each chunk. A dataset with no elements cannot be
  // chunked (a chunk dimension of 0 is invalid) and has no data to protect: it stays contiguous,
  // and its shape lives in its object header, which the 1.10 format checksums.
  static Handle creation_properties(const std::string& at, const std::vector<hsize_t>& dims,
                                    std::size_t element_bytes) {
    Handle dcpl = own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, at, "cannot create properties");
    hsize_t points = 1;
    for (hsize_t n : dims) points *= n;
    if (points == 0) return dcpl;
    const hsize_t row_bytes = points / dims[0] * element_bytes;
    constexpr hsize_t kChunkBytes = hsize_t(1) << 20;
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::clamp<hsize_t>(kChunkBytes / row_bytes, 1, dims[0]);
    if (H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data()) < 0 ||
        H5Pset_fletcher32(dcpl.get()) < 0)
      fail(at, "cannot set chunking and checksums");
    return dcpl;
  }

  void write_dataset(const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                     hid_t mem_type, const void* data) const {
    const std::string at = child(name);
    Handle space = own(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose, at,
                       "cannot create dataspace");
    Handle dcpl = creation_properties(at, dims, H5Tget_size(file_type));
    Handle d = own(H5Dcreate2(id(), name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                              H5P_DEFAULT),
                   H5Dclose, at, "cannot create dataset");
    if (H5Sget_simple_extent_npoints(space.get()) > 0 &&
        H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
      fail(at, "cannot write dataset");
  }

  template <class T>
  void read_dataset(const std::string& name, const std::vector<long long>& shape, bool integer,
                    hid_t mem_type, std::vector<T>& out, std::vector<hsize_t>* dims_out) const {
    const std::string at = child(name);
    Handle d = open_object(name);
    std::string expected = integer ? "integer dataset of shape [" : "float64 dataset of shape [";
    for (std::size_t i = 0; i < shape.size(); ++i)
      expected += (i ? ", " : "") + (shape[i] < 0 ? "N" : std::to_string(shape[i]));
    expected += "]";
    if (H5Iget_type(d.get()) != H5I_DATASET) throw Error(at + ": expected " + expected);
    Handle type = own(H5Dget_type(d.get()), H5Tclose, at, "cannot read type");
    Handle space = own(H5Dget_space(d.get()), H5Sclose, at, "cannot read shape");
    const H5T_class_t cls = H5Tget_class(type.get());
    const bool type_ok =
        integer ? cls == H5T_INTEGER : cls == H5T_FLOAT && H5Tget_size(type.get()) == 8;
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail(at, "cannot read shape");
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    if (!type_ok) throw Error(at + ": expected " + expected + ", found another type");
    bool shape_ok = dims.size() == shape.size();
    for (std::size_t i = 0; shape_ok && i < dims.size(); ++i)
      shape_ok = shape[i] < 0 || dims[i] == hsize_t(shape[i]);
    if (!shape_ok) throw Error(at + ": expected " + expected + ", found " + shape_string(dims));
    out.resize(H5Sget_simple_extent_npoints(space.get()));
    if (!out.empty() && H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      fail(at, "cannot read dataset");
    if (dims_out) *dims_out = dims;
  }
};

/// An open file; also its root group "/". Objects opened from it must be gone before close().
class File : public Group {
 public:
  /// A new file in the HDF5 1.10 format (superblock 3, object headers 2, v2 B-trees, fractal
  /// heaps): its metadata carries checksums, except the global heap that holds variable-length
  /// strings. HDF5 1.8 and older cannot read it.
  static File create(const std::string& name, bool in_memory = false) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    Handle fapl = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "/", "cannot create properties");
    if (H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0)
      fail("/", "cannot select the HDF5 1.10 format");
    if (in_memory && H5Pset_fapl_core(fapl.get(), 1 << 20, false) < 0)
      fail("/", "cannot select the in-memory driver");
    return File(own(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose, "/",
                    "cannot create file"));
  }
  /// The same, in memory only (HDF5's core driver without a backing store): image() gives its
  /// bytes, for the caller to write.
  static File create_in_memory(const std::string& name) { return create(name, true); }
  static File open_read_only(const std::string& name) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return File(
        own(H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "/", "cannot open file"));
  }
  /// Flushes and closes, throwing if HDF5 could not write everything.
  void close() {
    if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) fail("/", "cannot flush file");
    if (!handle_.release()) fail("/", "cannot close file");
  }
  /// The bytes of the whole file, as they would be on disk once closed.
  std::vector<unsigned char> image() const {
    if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) fail("/", "cannot flush file");
    const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
    if (size < 0) fail("/", "cannot get the file image");
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    if (H5Fget_file_image(id(), bytes.data(), bytes.size()) != size)
      fail("/", "cannot get the file image");
    // HDF5 1.10.8 clears the superblock's file-open flags in the image but keeps the checksum it
    // computed with them set, so the image would fail its own check. The superblock (versions 2
    // and 3, at offset 0): signature (8 bytes), version, size of addresses, size of lengths,
    // flags, four addresses, then the lookup3 checksum of all that.
    if (bytes.size() >= 12 && bytes[8] >= 2) {
      const std::size_t n = 12 + 4 * std::size_t(bytes[9]);
      if (bytes.size() >= n + 4) {
        const std::uint32_t sum = lookup3(bytes.data(), n);
        for (std::size_t i = 0; i < 4; ++i)
          bytes[n + i] = static_cast<unsigned char>(sum >> (8 * i));
      }
    }
    return bytes;
  }

 private:
  explicit File(Handle handle) : Group(std::move(handle), "/") {}
};

}  // namespace paraflow::h5
