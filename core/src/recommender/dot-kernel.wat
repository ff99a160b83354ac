;; Dense scoring in WebAssembly SIMD (f32x4): out[i] = rows[i] · vec for every row of a matrix, the whole
;; cost of a factor model's /recommend and /similar (50,000 movies × 64 factors is 3.2 M multiply-adds).
;; Pointers are byte offsets the host lays out (dot-kernel.ts); rows are `stride` floats apart, and `stride`
;; is a multiple of 4 (the host pads rows and the vector with zero columns, which add nothing).
;; Rebuild dot-kernel-wasm.ts after editing: node scripts/build-wasm.ts core/src/recommender/dot-kernel.wat
(module
  (memory (import "env" "memory") 1 65536)

  (func (export "dot_rows") (param $rows i32) (param $vec i32) (param $out i32) (param $n i32) (param $stride i32)
    (local $end i32) (local $row_end i32) (local $row_end8 i32) (local $v i32) (local $s0 v128) (local $s1 v128)
    (local $row_bytes i32)
    (local.set $row_bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows_loop
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $row_end (i32.add (local.get $rows) (local.get $row_bytes)))
        ;; Eight floats a step into two accumulators (hides the add latency), then a last four if left.
        (local.set $row_end8 (i32.add (local.get $rows) (i32.and (local.get $row_bytes) (i32.const -32))))
        (local.set $v (local.get $vec))
        (local.set $s0 (v128.const f32x4 0 0 0 0))
        (local.set $s1 (v128.const f32x4 0 0 0 0))
        (block $done8
          (loop $by8
            (br_if $done8 (i32.ge_u (local.get $rows) (local.get $row_end8)))
            (local.set $s0 (f32x4.add (local.get $s0)
              (f32x4.mul (v128.load (local.get $rows)) (v128.load (local.get $v)))))
            (local.set $s1 (f32x4.add (local.get $s1)
              (f32x4.mul (v128.load offset=16 (local.get $rows)) (v128.load offset=16 (local.get $v)))))
            (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
            (local.set $v (i32.add (local.get $v) (i32.const 32)))
            (br $by8)))
        (if (i32.lt_u (local.get $rows) (local.get $row_end))
          (then
            (local.set $s0 (f32x4.add (local.get $s0)
              (f32x4.mul (v128.load (local.get $rows)) (v128.load (local.get $v)))))
            (local.set $rows (local.get $row_end))))
        (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
            (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $rows_loop))))
)
